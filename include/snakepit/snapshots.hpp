#pragma once

/// Snapshots of a pool and its workers: one type for each, answered by a
/// pool to `(status_atom)`, `(await_ready_atom)` and `(inspect_atom)`,
/// handed to its lifecycle actor, published on `telemetry::topic::snapshots`
/// for the gauges, and printed by `snakepit inspect --format json` (keys in
/// docs/operations.md).
///
/// Who fills what: the pool fills every field it keeps itself (counts,
/// slots, queue, each worker's load and its latest memory sample) for
/// every snapshot, cheaply. Fields marked "inspect only" are measurements
/// of the lifecycle actor (CPU, memory growth, utilization over time): they
/// are filled in the answer to `(inspect_atom)` and are zero elsewhere.

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <snakepit/failure.hpp>
#include <snakepit/result.hpp> // inspect(failure&)

namespace snakepit {

/// Facts a worker reported in its ready handshake.
struct worker_info {
  /// Pid of its Python process.
  int pid = 0;
  /// E.g. "3.11.2".
  std::string python_version;
  /// E.g. "CPython".
  std::string implementation;
  /// Path of the interpreter.
  std::string executable;
  /// A free-threaded (no-GIL) build of Python.
  bool free_threaded_build = false;
  /// The GIL is on in this process.
  bool gil_enabled = true;
  /// The adapter it loaded.
  std::string adapter;
  /// Requests it runs at once (1 in the process profile).
  int slots = 1;
  /// Its adapter can snapshot and restore sessions, so that a recycle
  /// moves them (docs/sessions.md).
  bool session_snapshots = false;
};

/// Memory of one worker's Python process, bytes, from
/// /proc/PID/smaps_rollup.
struct memory_figures {
  /// Proportional set size: shared pages split among their users.
  uint64_t pss_bytes = 0;
  /// Unique set size: pages only this process maps.
  uint64_t uss_bytes = 0;
  /// Resident set size: every resident page it maps.
  uint64_t rss_bytes = 0;
};

/// One ready worker of a pool.
struct worker_snapshot {
  /// Internal id of the worker within its pool (never reused, across
  /// restarts too); the pool and its lifecycle actor key workers by it.
  uint64_t key = 0;
  /// E.g. "default/w3".
  std::string id;
  /// Slots busy now (0 to `info.slots`).
  int busy = 0;
  /// Being recycled: its replacement is ready, it takes no new requests and
  /// stops once its calls in flight are done.
  bool draining = false;
  /// Requests handed to it since it became ready (answered or not).
  int64_t requests_dispatched = 0;
  /// Its own request limit: `worker_max_requests` after jitter; 0 when
  /// none, or until the lifecycle actor has drawn it (at its first check).
  int64_t request_limit = 0;
  /// Seconds since it became ready.
  double uptime_seconds = 0;
  /// Its process at the lifecycle actor's latest sample (one per
  /// `lifecycle_interval`); zeros before the first.
  memory_figures memory;
  /// Inspect only: the first PSS sample after it started, bytes.
  uint64_t memory_baseline_bytes = 0;
  /// Inspect only: PSS growth from the baseline to the latest sample,
  /// bytes per hour; 0 until the two are at least a minute apart.
  double memory_growth_bytes_per_hour = 0;
  /// Inspect only: CPU of its process over the last lifecycle interval, in
  /// cores (1.0 = one core busy all the time).
  double cpu_cores = 0;
  /// Its ready handshake: pid, interpreter, slots.
  worker_info info;
};

/// "draining" (being recycled), "busy" (a slot busy) or "ready" (idle).
inline const char* state_of(const worker_snapshot& w) {
  return w.draining ? "draining" : w.busy > 0 ? "busy" : "ready";
}

/// A pool: configuration, readiness, load, counts and its workers.
struct pool_snapshot {
  std::string name;
  /// "process" or "thread".
  std::string profile;
  std::string adapter;
  /// Configured workers.
  int size = 0;
  /// Ready workers taking requests (draining ones not counted).
  int ready = 0;
  /// Configured workers not ready yet (starting or restarting).
  int starting = 0;
  /// Slots per worker (1 in the process profile).
  int threads_per_worker = 1;
  /// Slots of the ready workers, now: all, busy, free.
  int total_slots = 0;
  int busy_slots = 0;
  int free_slots = 0;
  /// busy_slots / total_slots now, 0 to 1.
  double utilization = 0;
  /// Inspect only: mean and peak utilization over the recent window (the
  /// lifecycle actor's last samples, one per lifecycle interval), 0 to 1.
  double utilization_mean = 0;
  double utilization_peak = 0;
  /// Inspect only: samples in that window and the seconds they span.
  int window_samples = 0;
  double window_seconds = 0;
  /// Requests waiting for a slot now (those waiting for their session's
  /// worker included), and the queue's bound.
  uint64_t queue_depth = 0;
  uint64_t queue_size = 0;
  /// The pool's queue timeout and default request timeout, milliseconds.
  int64_t queue_timeout_ms = 0;
  int64_t request_timeout_ms = 0;
  /// Requests handed to a worker since the pool started (a retried request
  /// counts twice).
  int64_t requests_dispatched = 0;
  /// Requests answered since the pool started (results and failures,
  /// refusals included).
  int64_t requests_answered = 0;
  /// Requests refused because the queue was full (pool_saturated).
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
  /// Requests that recycled workers were handed past their own request
  /// limit: the most by one worker, and in all.
  int64_t overshoot_max = 0;
  int64_t overshoot_total = 0;
  /// Spares configured (`spare_workers`).
  int spare_workers = 0;
  /// Seconds since the pool started.
  double uptime_seconds = 0;
  /// `code != none` when the pool could not start or lost its workers for
  /// good; requests then get this failure.
  failure failed;
  /// The pool is stopping: it takes no requests and recycles nothing.
  bool stopping = false;
  /// Every ready worker (draining ones too), oldest first.
  std::vector<worker_snapshot> workers;
  /// The ready spares, kept out of routing, oldest first.
  std::vector<worker_snapshot> spares;
  /// Sessions now: served by their worker (or moving to a replacement),
  /// and lost (answering `session_lost` until closed or expired).
  uint64_t sessions = 0;
  uint64_t sessions_lost = 0;

  /// True when every configured worker is ready.
  bool all_ready() const {
    return failed.code == error_code::none && ready >= size;
  }
};

/// Inspects worker_info (CAF).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_info& x) {
  return f(caf::meta::type_name("worker_info"), x.pid, x.python_version,
           x.implementation, x.executable, x.free_threaded_build,
           x.gil_enabled, x.adapter, x.slots, x.session_snapshots);
}

/// Inspects memory_figures (CAF).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_figures& x) {
  return f(caf::meta::type_name("memory_figures"), x.pss_bytes, x.uss_bytes,
           x.rss_bytes);
}

/// Inspects worker_snapshot (CAF).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_snapshot& x) {
  return f(caf::meta::type_name("worker_snapshot"), x.key, x.id, x.busy,
           x.draining, x.requests_dispatched, x.request_limit,
           x.uptime_seconds, x.memory,
           x.memory_baseline_bytes, x.memory_growth_bytes_per_hour,
           x.cpu_cores, x.info);
}

/// Inspects pool_snapshot (CAF).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_snapshot& x) {
  return f(caf::meta::type_name("pool_snapshot"), x.name, x.profile,
           x.adapter, x.size, x.ready, x.starting, x.threads_per_worker,
           x.total_slots, x.busy_slots, x.free_slots, x.utilization,
           x.utilization_mean, x.utilization_peak, x.window_samples,
           x.window_seconds, x.queue_depth, x.queue_size, x.queue_timeout_ms,
           x.request_timeout_ms, x.requests_dispatched, x.requests_answered,
           x.saturated, x.errors, x.recycles, x.health_check_failures,
           x.memory_threshold_mb, x.worker_max_requests, x.overshoot_max,
           x.overshoot_total, x.spare_workers, x.uptime_seconds, x.failed,
           x.stopping, x.workers, x.spares, x.sessions, x.sessions_lost);
}

} // namespace snakepit
