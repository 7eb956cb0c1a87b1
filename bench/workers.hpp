#pragma once

/// snakepit_workers_bench: what a worker costs when it does nothing, and
/// what the thread profile gains on a free-threaded interpreter. Three
/// sections, each comparing side by side in one run:
///   - start-up (workers_startup.cpp): spawn-to-ready and idle PSS of a
///     native-transport worker (no grpcio) against a gRPC one;
///   - idle (workers_idle.cpp): CPU of a pool of idle workers over a
///     window, the host and the workers apart, both transports;
///   - threads (workers_threads.cpp): calls/s of concurrent `cpu_burn` on
///     one N-thread worker, free-threaded interpreter against the GIL one.

#include <memory>
#include <string>
#include <vector>

#include <snakepit/config.hpp>
#include <snakepit/host.hpp>

#include "bench/json_report.hpp"

namespace snakepit::bench {

/// Command-line options.
struct workers_options {
  /// Start-up: rounds, each starting one worker of each transport.
  int startup_rounds = 10;
  /// Pause between all-ready and the idle PSS reading, milliseconds.
  int settle_ms = 1000;
  /// Idle: pool sizes, rounds, seconds measured per pool and round.
  std::vector<int> idle_sizes{10, 100};
  int idle_rounds = 2;
  double idle_seconds = 10;
  /// Idle: the pools' health_check_interval, milliseconds; 0 keeps the
  /// default (to see what the health checks cost, set it far apart).
  int idle_health_ms = 0;
  /// Threads: threads per worker, rounds, calls per caller, ms per call.
  std::vector<int> threads{1, 2, 4};
  int thread_rounds = 2;
  int burn_requests = 10;
  int burn_ms = 100;
  /// "startup", "idle", "threads" or empty for all.
  std::string only;
  std::string log_level = "error";
  std::string json_path;
  bool quick = false;
};

/// A host config with one pool "workers" of `size` showcase workers on
/// `transport`, up to 10 starting at once.
host_config workers_config(int size, worker_transport transport,
                           const std::string& log_level);

/// A started host whose pool is ready, and the pool's status then.
struct ready_host {
  std::unique_ptr<host> h;
  pool_snapshot status;
};

/// Starts a host with `cfg` and waits until its one pool is ready; a null
/// `h` (and a message on stderr naming `label`) when it did not start.
ready_host start_ready(const host_config& cfg, const std::string& label);

/// "median (min-max)" of `values` with `digits` decimals.
std::string spread_text(const std::vector<double>& values, int digits);

/// Median, min, max and every value of `values`, as JSON.
json spread_json(const std::vector<double>& values);

/// Each section prints its tables and records them in `out`; false when a
/// pool did not start or a call failed.
bool run_startup(const workers_options& opts, json& out);
bool run_idle(const workers_options& opts, json& out);
bool run_threads(const workers_options& opts, json& out);

} // namespace snakepit::bench
