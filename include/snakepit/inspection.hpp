#pragma once

/// A pool inspection: what a running pool is doing, measured, for the
/// inspector (`snakepit inspect`, `client::inspect`, `(inspect_atom)` to a
/// pool) and the recommendation rules (core/recommendations.hpp). Plain
/// data; the field names are the stable JSON keys of `snakepit inspect
/// --format json` (docs/operations.md).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace snakepit {

/// Memory of one worker's Python process, from /proc/PID/smaps_rollup.
struct memory_figures {
  /// Proportional set size: shared pages split among their users.
  uint64_t pss_bytes = 0;
  /// Unique set size: pages only this process maps.
  uint64_t uss_bytes = 0;
  /// Resident set size: every resident page it maps.
  uint64_t rss_bytes = 0;
};

/// One worker of a pool.
struct worker_inspection {
  /// E.g. "default/w3".
  std::string id;
  /// Pid of its Python process.
  int pid = 0;
  /// "ready" (idle), "busy" (a slot busy) or "draining" (being recycled:
  /// takes no new requests, finishes its calls).
  std::string state;
  int slots = 1;
  int busy = 0;
  /// Requests routed to it.
  int64_t requests = 0;
  /// Seconds since it became ready.
  double uptime_seconds = 0;
  /// Latest sample (lifecycle interval); zeros before the first.
  memory_figures memory;
  /// First PSS sample after it started.
  uint64_t memory_baseline_bytes = 0;
  /// PSS growth from the baseline to the latest sample, per hour; 0 until
  /// the two are at least a minute apart.
  double memory_growth_bytes_per_hour = 0;
  /// CPU of its process over the last lifecycle interval, in cores (1.0 =
  /// one core busy all the time).
  double cpu_cores = 0;
  /// Interpreter facts from its ready handshake.
  std::string python_version;
  std::string implementation;
  bool free_threaded_build = false;
  bool gil_enabled = true;
};

/// One pool.
struct pool_inspection {
  std::string name;
  /// "process" or "thread".
  std::string profile;
  std::string adapter;
  /// Configured workers.
  int size = 0;
  /// Ready workers taking requests (draining ones not counted).
  int live = 0;
  /// Configured workers not ready yet (starting or restarting).
  int starting = 0;
  /// Slots per worker (1 in the process profile).
  int threads_per_worker = 1;
  int total_slots = 0;
  int busy_slots = 0;
  int free_slots = 0;
  /// busy_slots / total_slots now, 0 to 1.
  double utilization = 0;
  /// Mean and peak utilization over the recent window (the lifecycle
  /// actor's last samples, one per lifecycle interval).
  double utilization_mean = 0;
  double utilization_peak = 0;
  /// Samples in that window and the time they span.
  int window_samples = 0;
  double window_seconds = 0;
  uint64_t queue_depth = 0;
  uint64_t queue_size = 0;
  /// Requests answered since the pool started, and refused for a full
  /// queue (pool.saturated).
  int64_t requests = 0;
  int64_t saturated = 0;
  /// Failed requests by category (`to_string(error_code)`).
  std::map<std::string, int64_t> errors;
  /// Replaced workers by reason (`to_string(recycle_reason)`).
  std::map<std::string, int64_t> recycles;
  /// Missed health checks since the pool started.
  int64_t health_check_failures = 0;
  /// The recycling limits as configured; 0 when infinite.
  double memory_threshold_mb = 0;
  int64_t worker_max_requests = 0;
  /// Seconds since the pool started.
  double uptime_seconds = 0;
  /// Why the pool failed; empty while it serves.
  std::string failure;
  std::vector<worker_inspection> workers;
};

/// Inspects memory_figures (CAF).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_figures& x) {
  return f(x.pss_bytes, x.uss_bytes, x.rss_bytes);
}

/// Inspects worker_inspection (CAF).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_inspection& x) {
  return f(x.id, x.pid, x.state, x.slots, x.busy, x.requests,
           x.uptime_seconds, x.memory, x.memory_baseline_bytes,
           x.memory_growth_bytes_per_hour, x.cpu_cores, x.python_version,
           x.implementation, x.free_threaded_build, x.gil_enabled);
}

/// Inspects pool_inspection (CAF).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_inspection& x) {
  return f(x.name, x.profile, x.adapter, x.size, x.live, x.starting,
           x.threads_per_worker, x.total_slots, x.busy_slots, x.free_slots,
           x.utilization, x.utilization_mean, x.utilization_peak,
           x.window_samples, x.window_seconds, x.queue_depth, x.queue_size,
           x.requests, x.saturated, x.errors, x.recycles,
           x.health_check_failures, x.memory_threshold_mb,
           x.worker_max_requests, x.uptime_seconds, x.failure, x.workers);
}

} // namespace snakepit
