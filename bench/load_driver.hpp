#pragma once

/// Concurrent load on one pool: N caller threads, each sending its requests
/// one after the other through the blocking snakepit::client, all released
/// at the same moment (thread creation is not timed). A burst ends after a
/// number of calls per caller (`run_concurrent`) or after a time
/// (`run_for`, so configurations of different speed are measured over equal
/// windows).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/stats.hpp"

namespace snakepit {
class client;
} // namespace snakepit

namespace snakepit::bench {

/// What one burst of concurrent load gave.
struct load_result {
  /// Latencies of the successful calls (all callers merged), the failed
  /// count, and the wall time from the start signal until the last caller
  /// finished (in a timed burst its last call may end after the deadline).
  samples calls;
  /// Sum of the integer field "iterations" of the results (cpu_burn's
  /// measure of work done); 0 for tools that return none.
  int64_t iterations = 0;
  /// Successful requests per worker id ("profiles/w2").
  std::map<std::string, int> per_worker;
  /// One line per failed call, "+1.234 s caller 2: <describe(error)>", in
  /// the order the callers are merged; at most `max_kept_failures`
  /// (`calls.failures` has the full count).
  std::vector<std::string> failures;

  /// The first failure line, empty when every call succeeded.
  std::string first_error() const {
    return failures.empty() ? std::string{} : failures.front();
  }
};

/// Failure lines kept per burst; more are only counted.
inline constexpr std::size_t max_kept_failures = 100;

/// The integer field "iterations" of a JSON result (cpu_burn's measure of
/// work done), 0 when absent.
int64_t iterations_of(const std::string& result_json);

/// Runs `callers` threads, each sending `requests_per_caller` requests
/// `command` with `args_json` to `pool`, one at a time.
load_result run_concurrent(client& c, const std::string& pool,
                           const std::string& command,
                           const std::string& args_json, int callers,
                           int requests_per_caller);

/// Runs `callers` threads sending `command` with `args_json` to `pool` one
/// call at a time until `duration` has passed since their common start.
load_result run_for(client& c, const std::string& pool,
                    const std::string& command, const std::string& args_json,
                    int callers, std::chrono::nanoseconds duration);

} // namespace snakepit::bench
