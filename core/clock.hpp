#pragma once

/// Time as the policy classes see it. Every decision takes `now` as an
/// argument instead of reading a clock, so tests drive them with made-up
/// time points and never sleep.

#include <chrono>

namespace snakepit {

/// A point on the monotonic clock; the only time type the core uses.
using time_point = std::chrono::steady_clock::time_point;

/// `now + timeout`, saturating at `time_point::max()` instead of
/// overflowing. An infinite timeout (`milliseconds::max()`, see
/// `parse_duration`) therefore yields a deadline that never comes.
inline time_point deadline_after(time_point now,
                                 std::chrono::milliseconds timeout) {
  auto room = std::chrono::duration_cast<std::chrono::milliseconds>(
    time_point::max() - now);
  if (timeout >= room)
    return time_point::max();
  return now + timeout;
}

} // namespace snakepit
