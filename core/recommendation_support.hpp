#pragma once

/// Internal to the recommendation rules (core/recommendations*.cpp): the
/// formatting of figures and the measures of a pool that several rules
/// share. Not a public API.

#include "core/recommendations.hpp"

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace snakepit::recommendation_detail {

/// The evidence of a recommendation.
using evidence_list = std::vector<std::pair<std::string, std::string>>;

/// Bytes in a MiB.
constexpr double bytes_per_mib = 1024.0 * 1024.0;

/// Tolerance for figures computed in floating point (0.8 * 3 / 0.6 is a
/// hair above 4), so a ceiling or a threshold does not step past the value.
constexpr double epsilon = 1e-9;

/// Concatenates strings and integers. Doubles are refused: each has its own
/// unit and precision (fixed, mib, percent, cores).
template <class... Ts>
std::string cat(const Ts&... xs) {
  std::string out;
  auto append = [&out](const auto& x) {
    using type = std::decay_t<decltype(x)>;
    static_assert(!std::is_floating_point_v<type>, "format doubles first");
    if constexpr (std::is_integral_v<type>)
      out += std::to_string(x);
    else
      out += x;
  };
  (append(xs), ...);
  return out;
}

/// `x` with `digits` decimals.
std::string fixed(double x, int digits);

/// Bytes as MiB with one decimal, e.g. "23.4 MiB".
std::string mib(double bytes);

/// Whole percent, rounded down: 89.9% reads "89%", not the 90% of a
/// threshold it has not reached.
std::string percent(double ratio);

/// CPU as "0.85 cores".
std::string cores(double x);

/// The ceiling of `x`, tolerant of floating-point noise.
int ceil_int(double x);

/// `a / b` rounded up (positive operands).
int ceil_div(int a, int b);

/// "Pool \"name\"", to open a summary.
std::string pool_label(const pool_snapshot& p);

/// "Worker \"id\" of pool \"name\"", to open a summary.
std::string worker_label(const worker_snapshot& w,
                         const pool_snapshot& p);

/// True for a thread-profile pool.
bool is_thread(const pool_snapshot& p);

/// Slots of one worker (threads_per_worker, or 1).
int slots_per_worker(const pool_snapshot& p);

/// The configured slots, which the computed sizes are relative to.
int configured_slots(const pool_snapshot& p);

/// Slots that carry `busy` busy slots at the target utilization; at least 1.
int slots_for(double busy, const recommendation_thresholds& t);

/// True when the window has enough samples for the load rules.
bool window_ready(const pool_snapshot& p,
                  const recommendation_thresholds& t);

/// True when the window is long enough to call a load persistent.
bool window_sustained(const pool_snapshot& p,
                      const recommendation_thresholds& t);

/// The window as "40 samples (4 s)".
std::string window_text(const pool_snapshot& p);

/// The window as an evidence entry.
std::pair<std::string, std::string> window_evidence(const pool_snapshot& p);

/// "1.5 of 8": busy slots out of the configured ones.
std::string busy_of(double busy, const pool_snapshot& p);

/// "n of <workers>".
std::string of_workers(int n, const pool_snapshot& p);

/// ": it covers the peak at 60% utilization."
std::string covers_at_target(const char* what,
                             const recommendation_thresholds& t);

/// Mean PSS of the workers measured so far; 0 when none is.
double mean_pss(const pool_snapshot& p);

/// Median baseline PSS of the workers that have one; 0 when none has.
double median_baseline(const pool_snapshot& p);

/// Among the workers with a PSS of at least `bytes`, the largest, and how
/// many there are.
const worker_snapshot* largest_from(const pool_snapshot& p, double bytes,
                                      int& count);

/// Workers replaced for `reason`; 0 when none.
int64_t recycles_for(const pool_snapshot& p, const std::string& reason);

/// A recommendation from its parts.
recommendation make(std::string rule, severity level, std::string summary,
                    evidence_list evidence, std::string action);

/// The one finding of a failed pool.
recommendation pool_failed(const pool_snapshot& p);

/// The finding of a window too short for the load rules.
recommendation warming_up(const pool_snapshot& p,
                          const recommendation_thresholds& t);

} // namespace snakepit::recommendation_detail
