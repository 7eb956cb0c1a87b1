#pragma once

/// Messages of recycling: between a pool and its lifecycle actor
/// (internal), and the acknowledgements of a manual recycle and of a
/// manual restart (public).

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace snakepit {

/// What a manual recycle set in motion: the workers that will be replaced,
/// one after the other within the pool's `max_concurrent_recycles`. The
/// call returns at once; each replacement is reported as a
/// `snakepit.worker.recycled` event with reason `manual` when it is done.
struct recycle_ack {
  /// Ids of the workers scheduled for replacement, e.g. "default/w3".
  std::vector<std::string> workers;
};

/// What a manual restart (`(restart_atom)` to a pool) did. A failed pool
/// restarts all its workers at once (a fresh restart budget, the recovery
/// backoff starting over); a pool that has not failed is left as it is
/// (use a recycle to replace its workers).
struct restart_ack {
  /// True when the pool had failed and its workers are starting again;
  /// false when it had not failed and nothing was done.
  bool restarted = false;
  /// The failure the pool was in (its message); empty when none.
  std::string previous_failure;
};

/// One ready worker as the lifecycle actor needs it.
struct worker_view {
  uint64_t key = 0;
  std::string id;
  int pid = 0;
  /// Requests routed to it so far.
  int64_t requests = 0;
  /// Milliseconds since it became ready.
  int64_t uptime_ms = 0;
  int slots = 1;
  int busy = 0;
};

/// A pool's answer to `(lifecycle_atom)`: its ready workers and load.
struct lifecycle_view {
  std::vector<worker_view> workers;
  /// Configured workers not ready yet (starting or restarting).
  int starting = 0;
  uint64_t queue_depth = 0;
  /// False once the pool is stopping or has failed: no recycles then.
  bool serving = true;
};

/// PSS of one worker's Python process, bytes.
struct memory_sample {
  uint64_t key = 0;
  uint64_t bytes = 0;
};

/// The lifecycle actor's latest memory samples, sent to the pool (worker
/// status, the memory in `worker.recycled`).
struct memory_samples {
  std::vector<memory_sample> samples;
};

/// A pool asks its lifecycle actor to recycle these workers (manual
/// recycle; the cap on concurrent recycles still applies).
struct manual_recycle {
  std::vector<uint64_t> keys;
};

/// A pool tells its lifecycle actor that the recycle of worker `key` ended:
/// `completed` (the replacement serves and the old worker was stopped) or
/// abandoned (the old worker keeps serving; it stays due).
struct recycle_ended {
  uint64_t key = 0;
  bool completed = true;
};

/// Inspects recycle_ack.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recycle_ack& x) {
  return f(caf::meta::type_name("recycle_ack"), x.workers);
}

/// Inspects restart_ack.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, restart_ack& x) {
  return f(caf::meta::type_name("restart_ack"), x.restarted,
           x.previous_failure);
}

/// Inspects worker_view.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_view& x) {
  return f(caf::meta::type_name("worker_view"), x.key, x.id, x.pid,
           x.requests, x.uptime_ms, x.slots, x.busy);
}

/// Inspects lifecycle_view.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lifecycle_view& x) {
  return f(caf::meta::type_name("lifecycle_view"), x.workers, x.starting,
           x.queue_depth, x.serving);
}

/// Inspects memory_sample.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_sample& x) {
  return f(caf::meta::type_name("memory_sample"), x.key, x.bytes);
}

/// Inspects memory_samples.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_samples& x) {
  return f(caf::meta::type_name("memory_samples"), x.samples);
}

/// Inspects manual_recycle.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, manual_recycle& x) {
  return f(caf::meta::type_name("manual_recycle"), x.keys);
}

/// Inspects recycle_ended.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recycle_ended& x) {
  return f(caf::meta::type_name("recycle_ended"), x.key, x.completed);
}

} // namespace snakepit
