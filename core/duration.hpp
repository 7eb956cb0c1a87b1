#pragma once

/// Human-readable durations as used in configuration files: "500ms", "30s",
/// "1.5s", "2m", "1h", "1m30s", and "infinity" where a timeout may be
/// unbounded.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace snakepit {

/// Parses `text` as a duration: one or more `<number><unit>` parts with
/// units `h`, `m`, `s`, `ms` in decreasing order, each at most once
/// ("1m30s"); numbers are non-negative decimals ("1.5s") that must come to
/// a whole number of milliseconds. No sign, no spaces, no bare numbers.
/// "infinity" yields `milliseconds::max()` when `allow_infinity` is set.
/// Returns nullopt for anything else.
std::optional<std::chrono::milliseconds>
parse_duration(std::string_view text, bool allow_infinity = false);

/// Renders `d` in the form `parse_duration` reads back: "0s", "500ms",
/// "1.5s", "1m30s", "2h"; "infinity" for `milliseconds::max()`.
std::string format_duration(std::chrono::milliseconds d);

} // namespace snakepit
