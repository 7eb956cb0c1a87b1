#pragma once

/// Figures as people read them, for summaries, advice and the text report.

#include <cstdint>
#include <string>

namespace snakepit::diagnostics {

/// `x` with at most `decimals` decimals and no trailing zeros:
/// 4 -> "4", 4.25 -> "4.25", 0.1234 -> "0.123".
std::string format_number(double x, int decimals = 3);

/// Bytes in binary units with one decimal: "31.9 MiB", "23.5 GiB",
/// "512 B".
std::string format_bytes(uint64_t bytes);

/// Seconds in the unit that suits them: "850 ms", "1.25 s".
std::string format_seconds(double seconds);

} // namespace snakepit::diagnostics
