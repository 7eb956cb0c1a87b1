#pragma once

/// Rendering a pool inspection for humans: a block of pool figures, a
/// table of workers, and the recommendations if any.

#include <nlohmann/json.hpp>

#include <string>

#include <snakepit/snapshots.hpp>

namespace snakepit::cli {

/// `bytes` as MiB with one decimal, e.g. "23.4 MiB".
std::string format_mib(double bytes);

/// Seconds as "1h 02m", "5m 07s" or "12.3s".
std::string format_uptime(double seconds);

/// The text report of one pool; `recommendations` is the JSON array the
/// host sent (null or empty: none asked for or none found).
std::string render_pool(const pool_snapshot& p,
                        const nlohmann::json& recommendations);

} // namespace snakepit::cli
