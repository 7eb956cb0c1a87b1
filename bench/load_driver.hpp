#pragma once

/// Concurrent load on one pool: N caller threads, each sending its requests
/// one after the other through the blocking snakepit::client, all starting
/// at the same moment.

#include <cstdint>
#include <map>
#include <string>

#include "bench/stats.hpp"

namespace snakepit {
class client;
} // namespace snakepit

namespace snakepit::bench {

/// What one burst of concurrent load gave.
struct load_result {
  /// Every request's latency (all callers merged) and the wall time from
  /// the start signal until the last caller finished.
  samples calls;
  /// Sum of the integer field "iterations" of the results (cpu_burn's
  /// measure of work done); 0 for tools that return none.
  int64_t iterations = 0;
  /// Requests served per worker id ("profiles/w2").
  std::map<std::string, int> per_worker;
  /// The first failure's description, empty when every call succeeded.
  std::string first_error;
};

/// The integer field "iterations" of a JSON result (cpu_burn's measure of
/// work done), 0 when absent.
int64_t iterations_of(const std::string& result_json);

/// Runs `callers` threads, each sending `requests_per_caller` requests
/// `command` with `args_json` to `pool`, one at a time. The threads are
/// created first and released together, so thread creation is not timed.
load_result run_concurrent(client& c, const std::string& pool,
                           const std::string& command,
                           const std::string& args_json, int callers,
                           int requests_per_caller);

} // namespace snakepit::bench
