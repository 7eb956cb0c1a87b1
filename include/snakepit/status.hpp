#pragma once

/// Status snapshots of pools and workers.

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <snakepit/failure.hpp>

namespace snakepit {

/// Facts a worker reported in its ready handshake.
struct worker_info {
  int pid = 0;
  std::string python_version;
  std::string implementation;
  std::string executable;
  bool free_threaded_build = false;
  bool gil_enabled = true;
  std::string adapter;
  int slots = 1;
};

/// One worker as its pool sees it.
struct worker_status {
  std::string id;
  int busy = 0;
  int slots = 1;
  int64_t requests = 0;
  worker_info info;
  /// PSS of its Python process at the last lifecycle check, bytes; 0 until
  /// the first sample.
  uint64_t memory_bytes = 0;
  /// Being recycled: its replacement is ready, it takes no new requests and
  /// stops once its calls in flight are done.
  bool draining = false;
};

/// A pool's state: size, readiness, load, and why it failed if it did.
struct pool_status {
  std::string name;
  std::string profile;
  int size = 0;
  /// Ready workers taking requests (draining ones not counted).
  int ready = 0;
  int busy_slots = 0;
  int total_slots = 0;
  uint64_t queue_depth = 0;
  uint64_t queue_size = 0;
  int64_t requests = 0;
  /// The pool's queue timeout and default request timeout, milliseconds.
  int64_t queue_timeout_ms = 0;
  int64_t request_timeout_ms = 0;
  /// `code != none` when the pool could not start or lost its workers for
  /// good; requests then get this failure.
  failure failed;
  std::vector<worker_status> workers;

  /// True when every configured worker is ready.
  bool all_ready() const {
    return failed.code == error_code::none && ready >= size;
  }
};

/// Inspects worker_info.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_info& x) {
  return f(caf::meta::type_name("worker_info"), x.pid, x.python_version,
           x.implementation, x.executable, x.free_threaded_build,
           x.gil_enabled, x.adapter, x.slots);
}

/// Inspects worker_status.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_status& x) {
  return f(caf::meta::type_name("worker_status"), x.id, x.busy, x.slots,
           x.requests, x.info, x.memory_bytes, x.draining);
}

/// Inspects pool_status.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_status& x) {
  return f(caf::meta::type_name("pool_status"), x.name, x.profile, x.size,
           x.ready, x.busy_slots, x.total_slots, x.queue_depth, x.queue_size,
           x.requests, x.queue_timeout_ms, x.request_timeout_ms, x.failed,
           x.workers);
}

} // namespace snakepit
