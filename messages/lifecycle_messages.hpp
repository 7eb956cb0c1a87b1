#pragma once

/// Messages of recycling between a pool and its lifecycle actor
/// (internal; the acknowledgements of a manual recycle and restart are
/// public, in <snakepit/requests.hpp>).

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace snakepit {

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
