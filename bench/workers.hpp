#pragma once

/// snakepit_workers_bench: what a worker costs to start and when it does
/// nothing, what the fork server saves, and what the thread profile gains
/// on a free-threaded interpreter. Six sections, each comparing side by
/// side in one run:
///   - start-up (workers_startup.cpp): spawn-to-ready and idle PSS of a
///     native-transport worker (no grpcio) against a gRPC one;
///   - fork (workers_fork.cpp): spawn-to-ready of one worker and of 8 at
///     once, from a running fork server against plain spawns, and the
///     fork server's own start;
///   - pools (workers_pools.cpp): host start to all ready for large pools,
///     fork server against plain spawns, and the CPU the start took;
///   - preload (workers_preload.cpp): idle PSS of 8 workers of an adapter
///     holding 50 MiB, plain, forked, and forked after a preload;
///   - idle (workers_idle.cpp): CPU of a pool of idle workers over a
///     window, the host and the workers apart, both transports;
///   - threads (workers_threads.cpp): calls/s of concurrent `cpu_burn` on
///     one N-thread worker, free-threaded interpreter against the GIL one.

#include <functional>
#include <memory>
#include <optional>
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
  /// Fork: rounds, each starting a pool of 8 per way of starting and
  /// recycling one worker, then all 8 at once.
  int fork_rounds = 5;
  /// Pools: sizes, rounds, and the pools' start concurrency (each value
  /// measured); plain pools above `pool_plain_max` workers are skipped.
  std::vector<int> pool_sizes{50, 100, 250};
  int pool_rounds = 1;
  std::vector<int> pool_concurrency{10, 50};
  int pool_plain_max = 1000;
  /// Preload: rounds, and the MiB the ballast adapter holds.
  int preload_rounds = 2;
  int ballast_mb = 50;
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
  /// "startup", "fork", "pools", "preload", "idle", "threads" or empty
  /// for all.
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

/// How a pool starts its workers, for the sections that compare them.
struct start_mode {
  /// Printed and the JSON key: "plain", "fork server", ...
  std::string name;
  bool fork_server = false;
  bool preload = false;
};

/// Plain spawns (`fork_server = false`), the fork server, and the fork
/// server with `preload`: what the fork and pools sections compare.
const std::vector<start_mode>& plain_and_fork();

/// Sets `cfg`'s one pool to start its workers the way `mode` says.
void apply(const start_mode& mode, host_config& cfg);

/// The pid of the fork server that forked worker `pid`: its parent, when
/// that is not this process (a plainly started worker's parent is the
/// host); nullopt for a plain worker or when it cannot be read.
std::optional<int> fork_server_of(int pid);

/// Runs `measure(i)` for i in [0, count) in each of `rounds` rounds, the
/// first i rotating from round to round so that no side always goes
/// first; stops at the first false and returns it.
bool take_turns(int rounds, std::size_t count,
                const std::function<bool(std::size_t)>& measure);

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
bool run_fork(const workers_options& opts, json& out);
bool run_pools(const workers_options& opts, json& out);
bool run_preload(const workers_options& opts, json& out);
bool run_idle(const workers_options& opts, json& out);
bool run_threads(const workers_options& opts, json& out);

} // namespace snakepit::bench
