#pragma once

/// Measuring real workers: starts short-lived hosts (snakepit::host) with
/// the settings of the config's first pool in a temporary run directory,
/// and reads what their workers cost from /proc: PSS and threads of each
/// profile, descriptors per worker, start-up times. Every host is stopped
/// (and its Python processes with it) before this returns.

#include <cstdint>
#include <string>
#include <vector>

#include <snakepit/config.hpp>

namespace snakepit::diagnostics {

/// What the measurement found.
struct measurement {
  /// Why workers could not be measured; empty on success.
  std::string error;
  /// The failing worker's Python traceback or last output lines, if any.
  std::string error_detail;
  /// Run ids of the hosts started (their workers carried
  /// `--snakepit-run-id <id>`), to check that none is left.
  std::vector<std::string> run_ids;
  /// PSS of a lone idle process-profile worker.
  uint64_t process_pss_bytes = 0;
  /// Threads of that worker.
  int64_t process_threads = 0;
  /// PSS of a lone idle thread-profile worker.
  uint64_t thread_pss_bytes = 0;
  /// Threads of that worker.
  int64_t thread_threads = 0;
  /// Its slots (threads_per_worker).
  int thread_slots = 0;
  /// Descriptors the host holds per worker.
  double fds_per_worker = 0;
  /// Descriptors a host holds besides its workers.
  int64_t fds_per_host = 0;
  /// Threads a host with running pools adds to this process.
  int64_t host_threads = 0;
  /// Workers of the spawn measurement, started at once.
  int spawn_workers = 0;
  /// From starting that host to all of them ready.
  double spawn_seconds = 0;
  /// Mean launch-to-ready time of those workers.
  double mean_startup_seconds = 0;
  /// Launch-to-ready time of the lone process-profile worker.
  double cold_start_seconds = 0;
};

/// Measures workers built from `cfg`'s first pool (adapter, adapter_args,
/// env, python) and `cfg.python_path`: a lone thread-profile worker
/// (threads_per_worker of the first thread pool, else the default), a
/// lone process-profile worker, then `spawn_workers` process workers
/// started at once. Stops at the first host whose workers fail. Takes
/// about a second plus the start-up of 2 + `spawn_workers` workers.
measurement measure_workers(const host_config& cfg, int spawn_workers);

} // namespace snakepit::diagnostics
