#pragma once

/// Steady concurrent load on one pool for a fixed time: N caller threads,
/// each sending its requests one after the other through the blocking
/// snakepit::client until the deadline. Unlike `run_concurrent` (a fixed
/// number of calls, first error only), it bounds the round by time, so
/// configurations of different speed get measured over equal windows, and
/// it keeps the text of every failure.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "bench/stats.hpp"

namespace snakepit {
class client;
} // namespace snakepit

namespace snakepit::bench {

/// What one timed burst of load gave.
struct timed_result {
  /// Latencies of the successful calls (all callers merged), the failed
  /// count, and the wall time from the start signal until the last caller
  /// returned (its last call may end a little after the deadline).
  samples calls;
  /// Successful requests per worker id ("lifecycle-b/w1").
  std::map<std::string, int> per_worker;
  /// Sum of the results' "iterations" (cpu_burn's work; 0 for other tools).
  int64_t iterations = 0;
  /// One line per failed call, "+1.234 s caller 2: <describe(error)>",
  /// in the order the callers are merged; at most `max_kept_failures`
  /// (`calls.failures` has the full count).
  std::vector<std::string> failures;
};

/// Failure lines kept per round; more are only counted.
inline constexpr std::size_t max_kept_failures = 100;

/// Runs `callers` threads sending `command` with `args_json` to `pool` one
/// call at a time until `duration` has passed since their common start. The
/// threads are created first and released together.
timed_result run_for(client& c, const std::string& pool,
                     const std::string& command, const std::string& args_json,
                     int callers, std::chrono::nanoseconds duration);

} // namespace snakepit::bench
