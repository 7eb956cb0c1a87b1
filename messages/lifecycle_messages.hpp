#pragma once

/// Messages of recycling between a pool and its lifecycle actor (internal;
/// the lifecycle actor's view of its pool is a `pool_snapshot`, from
/// `(lifecycle_atom)`; the acknowledgements of a manual recycle and
/// restart are public, in <snakepit/requests.hpp>).

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <snakepit/snapshots.hpp>

namespace snakepit {

/// The memory of worker `key`'s Python process at a lifecycle check.
struct memory_sample {
  uint64_t key = 0;
  memory_figures memory;
};

/// The lifecycle actor's latest memory samples, sent to the pool (the
/// `memory` of its worker snapshots, the memory in `worker.recycled`).
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

/// The request limit drawn for worker `key` (`worker_max_requests` after
/// jitter).
struct request_limit {
  uint64_t key = 0;
  int64_t limit = 0;
};

/// A lifecycle actor tells its pool the request limits of workers it began
/// to track, so that the pool asks for a check as soon as one is reached.
struct request_limits {
  std::vector<request_limit> limits;
};

/// Inspects memory_sample.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_sample& x) {
  return f(caf::meta::type_name("memory_sample"), x.key, x.memory);
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

/// Inspects request_limit.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_limit& x) {
  return f(caf::meta::type_name("request_limit"), x.key, x.limit);
}

/// Inspects request_limits.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_limits& x) {
  return f(caf::meta::type_name("request_limits"), x.limits);
}

} // namespace snakepit
