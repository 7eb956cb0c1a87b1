#pragma once

/// The telemetry events as typed structs. Each is delivered to subscribed
/// actors as a message type of its own, matched by an ordinary handler
/// (`[](const telemetry::worker_started& ev) {...}`). `name` is the event's
/// name in logs and metrics; `time` is when it happened (system clock);
/// durations are `caf::timespan` (integral nanoseconds).

#include <caf/meta/type_name.hpp>
#include <caf/timestamp.hpp>

#include <cstdint>
#include <string>

#include <snakepit/recycle_reason.hpp>

namespace snakepit::telemetry {

/// Event names.
namespace events {
inline constexpr const char* worker_started = "snakepit.worker.started";
inline constexpr const char* worker_recycled = "snakepit.worker.recycled";
inline constexpr const char* worker_health_check_failed =
  "snakepit.worker.health_check_failed";
inline constexpr const char* pool_saturated = "snakepit.pool.saturated";
inline constexpr const char* pool_capacity_reached =
  "snakepit.pool.capacity_reached";
inline constexpr const char* request_executed = "snakepit.request.executed";
inline constexpr const char* worker_memory_over_limit =
  "snakepit.worker.memory_over_limit";
inline constexpr const char* pool_failed = "snakepit.pool.failed";
inline constexpr const char* pool_recovered = "snakepit.pool.recovered";
inline constexpr const char* session_created = "snakepit.session.created";
inline constexpr const char* session_expired = "snakepit.session.expired";
inline constexpr const char* session_lost = "snakepit.session.lost";
inline constexpr const char* session_moved = "snakepit.session.moved";
} // namespace events

/// Why a worker was replaced (<snakepit/recycle_reason.hpp>); `to_string` gives
/// the name used in logs and metric labels.
using snakepit::recycle_reason;

// Each inspect names the type by the event's name: CAF's `to_string` of an
// event reads `snakepit.worker.started(...)`, and the same name registers
// it as a message type (`register_types`).

/// A worker's process is ready to serve. `startup` runs from launching the
/// process to its ready handshake.
struct worker_started {
  static constexpr const char* name = events::worker_started;
  std::string pool;
  std::string worker;
  int pid = 0;
  std::string profile;
  int slots = 0;
  caf::timespan startup{0};
  caf::timestamp time;
};

/// A worker is being replaced; `memory_bytes` is its last PSS sample (0
/// when unknown). `request_limit` is the worker's own request limit
/// (`worker_max_requests` after jitter; 0 when none or not known yet) and
/// `overshoot` the requests it was handed past that limit.
struct worker_recycled {
  static constexpr const char* name = events::worker_recycled;
  std::string pool;
  std::string worker;
  recycle_reason reason = recycle_reason::manual;
  caf::timespan uptime{0};
  uint64_t requests = 0;
  uint64_t memory_bytes = 0;
  uint64_t request_limit = 0;
  uint64_t overshoot = 0;
  caf::timestamp time;
};

/// A worker's first memory sample was already over its memory threshold:
/// reported once; it keeps serving and is not recycled for memory.
struct worker_memory_over_limit {
  static constexpr const char* name = events::worker_memory_over_limit;
  std::string pool;
  std::string worker;
  uint64_t memory_bytes = 0;
  uint64_t threshold_bytes = 0;
  caf::timestamp time;
};

/// A worker missed a health check; `misses` counts consecutive misses and
/// `reason` says what failed (e.g. "timeout", "unreachable").
struct worker_health_check_failed {
  static constexpr const char* name = events::worker_health_check_failed;
  std::string pool;
  std::string worker;
  int misses = 0;
  std::string reason;
  caf::timestamp time;
};

/// A request found the pool's queue full and was refused.
struct pool_saturated {
  static constexpr const char* name = events::pool_saturated;
  std::string pool;
  uint64_t queue_size = 0;
  uint64_t max_queue_size = 0;
  int available_workers = 0;
  int busy_workers = 0;
  caf::timestamp time;
};

/// A call took the last free slot of the pool: every slot is busy now.
struct pool_capacity_reached {
  static constexpr const char* name = events::pool_capacity_reached;
  std::string pool;
  std::string worker;
  int capacity = 0;
  int load = 0;
  caf::timestamp time;
};

/// A request got its reply, whatever the outcome (queued, refused, timed
/// out, failed or succeeded). `duration` runs from the pool receiving the
/// request to its reply and includes `queue_wait`. `worker` is empty when
/// no worker took it. `error` is the failure category on failure
/// (`to_string(error_code)`, a small fixed set: it becomes a metric
/// label), empty on success. `node` is empty for a pool of this host; for
/// a remote pool's calls it is the other host's "host:port" (`pool` is
/// then the remote pool's local name; the other host publishes its own
/// event for the same call).
struct request_executed {
  static constexpr const char* name = events::request_executed;
  std::string pool;
  std::string worker;
  std::string command;
  bool success = false;
  std::string error;
  caf::timespan duration{0};
  caf::timespan queue_wait{0};
  /// For a stream: the chunks delivered and their bytes; 0 for a call.
  int64_t chunks = 0;
  int64_t chunk_bytes = 0;
  std::string node;
  caf::timestamp time;
};

/// A pool failed: its worker supervisor gave up (failed starts beyond
/// `max_restarts`); requests get `pool_failed` until it recovers. `reason`
/// is the failure's message; `retry_in` the delay before the first
/// recovery probe, negative when automatic recovery is off.
struct pool_failed {
  static constexpr const char* name = events::pool_failed;
  std::string pool;
  std::string reason;
  caf::timespan retry_in{0};
  caf::timestamp time;
};

/// A failed pool is back: its workers are starting again. `trigger` is
/// "probe" (a recovery probe became ready) or "manual" (a restart by
/// hand); `downtime` runs from the failure, `attempts` counts the probes
/// scheduled since the pool was last at full strength.
struct pool_recovered {
  static constexpr const char* name = events::pool_recovered;
  std::string pool;
  std::string trigger;
  caf::timespan downtime{0};
  int attempts = 0;
  caf::timestamp time;
};

/// A request opened a session: `worker` holds its state from now on.
struct session_created {
  static constexpr const char* name = events::session_created;
  std::string pool;
  std::string session;
  std::string worker;
  caf::timestamp time;
};

/// A session had no request for `session_ttl` and was closed (a lost one
/// is forgotten); `worker` is the one that held it (empty for a lost one).
struct session_expired {
  static constexpr const char* name = events::session_expired;
  std::string pool;
  std::string session;
  std::string worker;
  caf::timespan idle{0};
  caf::timestamp time;
};

/// A session's state went with its worker (`reason`: the worker crashed,
/// was recycled without snapshot hooks, or the move failed); its requests
/// get `session_lost` until it is closed or expires.
struct session_lost {
  static constexpr const char* name = events::session_lost;
  std::string pool;
  std::string session;
  std::string worker;
  std::string reason;
  caf::timestamp time;
};

/// A recycle moved a session's state from `worker` to `to_worker` with the
/// adapter's snapshot hooks; `state_bytes` is the snapshot's size and
/// `duration` runs from the snapshot request to the restore's answer.
struct session_moved {
  static constexpr const char* name = events::session_moved;
  std::string pool;
  std::string session;
  std::string worker;
  std::string to_worker;
  int64_t state_bytes = 0;
  caf::timespan duration{0};
  caf::timestamp time;
};

/// Inspects worker_started.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_started& x) {
  return f(caf::meta::type_name(worker_started::name),
           x.pool, x.worker, x.pid, x.profile, x.slots, x.startup, x.time);
}

/// Inspects worker_recycled.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_recycled& x) {
  return f(caf::meta::type_name(worker_recycled::name),
           x.pool, x.worker, x.reason, x.uptime, x.requests, x.memory_bytes,
           x.request_limit, x.overshoot, x.time);
}

/// Inspects worker_memory_over_limit.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        worker_memory_over_limit& x) {
  return f(
    caf::meta::type_name(worker_memory_over_limit::name),
    x.pool, x.worker, x.memory_bytes, x.threshold_bytes, x.time);
}

/// Inspects worker_health_check_failed.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        worker_health_check_failed& x) {
  return f(
    caf::meta::type_name(worker_health_check_failed::name),
    x.pool, x.worker, x.misses, x.reason, x.time);
}

/// Inspects pool_saturated.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_saturated& x) {
  return f(caf::meta::type_name(pool_saturated::name),
           x.pool, x.queue_size, x.max_queue_size, x.available_workers,
           x.busy_workers, x.time);
}

/// Inspects pool_capacity_reached.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        pool_capacity_reached& x) {
  return f(caf::meta::type_name(pool_capacity_reached::name),
           x.pool, x.worker, x.capacity, x.load, x.time);
}

/// Inspects request_executed.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_executed& x) {
  return f(caf::meta::type_name(request_executed::name),
           x.pool, x.worker, x.command, x.success, x.error, x.duration,
           x.queue_wait, x.chunks, x.chunk_bytes, x.node, x.time);
}

/// Inspects pool_failed.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_failed& x) {
  return f(caf::meta::type_name(pool_failed::name), x.pool,
           x.reason, x.retry_in, x.time);
}

/// Inspects pool_recovered.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_recovered& x) {
  return f(caf::meta::type_name(pool_recovered::name),
           x.pool, x.trigger, x.downtime, x.attempts, x.time);
}

/// Inspects session_created.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_created& x) {
  return f(caf::meta::type_name(session_created::name), x.pool, x.session,
           x.worker, x.time);
}

/// Inspects session_expired.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_expired& x) {
  return f(caf::meta::type_name(session_expired::name), x.pool, x.session,
           x.worker, x.idle, x.time);
}

/// Inspects session_lost.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_lost& x) {
  return f(caf::meta::type_name(session_lost::name), x.pool, x.session,
           x.worker, x.reason, x.time);
}

/// Inspects session_moved.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_moved& x) {
  return f(caf::meta::type_name(session_moved::name), x.pool, x.session,
           x.worker, x.to_worker, x.state_bytes, x.duration, x.time);
}

} // namespace snakepit::telemetry
