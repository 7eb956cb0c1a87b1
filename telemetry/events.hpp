#pragma once

/// Telemetry events: their names and field keys, declared once; the one
/// message type that carries them; a helper per event, so emitters cannot
/// misspell a field; and the table of every event that docs/telemetry.md and
/// the tests follow.

#include "core/recycle_policy.hpp"
#include <caf/meta/type_name.hpp>
#include <caf/timestamp.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

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
} // namespace events

/// Keys of measurements (numbers, SI units named in the key) and metadata
/// (strings).
namespace keys {
// Measurements.
inline constexpr const char* startup_seconds = "startup_seconds";
inline constexpr const char* uptime_seconds = "uptime_seconds";
inline constexpr const char* requests = "requests";
inline constexpr const char* memory_bytes = "memory_bytes";
inline constexpr const char* threshold_bytes = "threshold_bytes";
inline constexpr const char* misses = "misses";
inline constexpr const char* queue_size = "queue_size";
inline constexpr const char* max_queue_size = "max_queue_size";
inline constexpr const char* capacity = "capacity";
inline constexpr const char* load = "load";
inline constexpr const char* duration_seconds = "duration_seconds";
inline constexpr const char* queue_wait_seconds = "queue_wait_seconds";
inline constexpr const char* retry_in_seconds = "retry_in_seconds";
inline constexpr const char* downtime_seconds = "downtime_seconds";
inline constexpr const char* attempts = "attempts";
// Metadata.
inline constexpr const char* pool = "pool";
inline constexpr const char* worker = "worker";
inline constexpr const char* pid = "pid";
inline constexpr const char* profile = "profile";
inline constexpr const char* slots = "slots";
inline constexpr const char* reason = "reason";
inline constexpr const char* available_workers = "available_workers";
inline constexpr const char* busy_workers = "busy_workers";
inline constexpr const char* command = "command";
inline constexpr const char* success = "success";
inline constexpr const char* error = "error";
inline constexpr const char* trigger = "trigger";
} // namespace keys

/// One telemetry event, as published on the bus.
struct event {
  /// One of `events::*`.
  std::string name;
  /// Numbers, keyed by `keys::*`.
  std::map<std::string, double> measurements;
  /// Strings, keyed by `keys::*`.
  std::map<std::string, std::string> metadata;
  /// When the event happened (system clock).
  caf::timestamp time;

  /// The measurement `key`, or `fallback` when absent.
  double measurement(const std::string& key, double fallback = 0) const;

  /// The metadata `key`, or an empty string when absent.
  const std::string& meta(const std::string& key) const;
};

/// Inspects an event.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(caf::meta::type_name("snakepit::telemetry::event"), x.name,
           x.measurements, x.metadata, x.time);
}

/// Why a worker was replaced: the one enum of the policy layer
/// (core/recycle_policy.hpp), whose `to_string` names go into events.
using snakepit::recycle_reason;

/// Seconds as a double; any `std::chrono::duration` converts to it.
using seconds = std::chrono::duration<double>;

/// A worker's process is ready to serve. `startup` runs from launching the
/// process to its ready handshake.
event make_worker_started(const std::string& pool, const std::string& worker,
                          int pid, const std::string& profile, int slots,
                          seconds startup);

/// A worker is being replaced.
event make_worker_recycled(const std::string& pool, const std::string& worker,
                           recycle_reason reason, seconds uptime,
                           uint64_t requests, uint64_t memory_bytes);

/// A worker's first memory sample was already over its memory threshold:
/// reported once; it keeps serving and is not recycled for memory.
event make_memory_over_limit(const std::string& pool,
                             const std::string& worker, uint64_t memory_bytes,
                             uint64_t threshold_bytes);

/// A worker missed a health check; `misses` counts consecutive misses and
/// `reason` says what failed (e.g. "timeout", "unreachable").
event make_health_check_failed(const std::string& pool,
                               const std::string& worker, int misses,
                               const std::string& reason);

/// A request found the pool's queue full and was refused.
event make_pool_saturated(const std::string& pool, uint64_t queue_size,
                          uint64_t max_queue_size, int available_workers,
                          int busy_workers);

/// A call took the last free slot of the pool: every slot is busy now.
event make_capacity_reached(const std::string& pool, const std::string& worker,
                            int capacity, int load);

/// A request got its reply, whatever the outcome (queued, refused, timed
/// out, failed or succeeded). `duration` runs from the pool receiving the
/// request to its reply and includes `queue_wait`. `worker` is empty when no
/// worker took it. `error` names the failure category on failure (e.g.
/// "queue_timeout", `to_string(error_code)`); keep it to a small fixed set,
/// it becomes a metric label.
event make_request_executed(const std::string& pool, const std::string& worker,
                            const std::string& command, bool success,
                            seconds duration, seconds queue_wait,
                            const std::string& error = {});

/// A pool failed: its worker supervisor gave up (failed starts beyond
/// `max_restarts`); requests get `pool_failed` until it recovers. `reason`
/// is the failure's message; `retry_in` the delay before the first
/// recovery probe (negative when automatic recovery is off).
event make_pool_failed(const std::string& pool, const std::string& reason,
                       seconds retry_in);

/// A failed pool is back: its workers are starting again. `trigger` is
/// "probe" (a recovery probe became ready) or "manual" (a restart by
/// hand); `downtime` runs from the failure, `attempts` counts the probes
/// scheduled since the pool was last at full strength.
event make_pool_recovered(const std::string& pool, const std::string& trigger,
                          seconds downtime, int attempts);

/// A static list of field keys.
struct key_list {
  const char* const* first = nullptr;
  std::size_t count = 0;

  /// Wraps a constexpr array of keys.
  template <std::size_t N>
  constexpr key_list(const char* const (&xs)[N]) : first(xs), count(N) {
  }

  /// Iteration.
  constexpr const char* const* begin() const {
    return first;
  }

  /// Iteration.
  constexpr const char* const* end() const {
    return first + count;
  }
};

/// One row of the event table.
struct event_spec {
  const char* name;
  key_list measurements;
  key_list metadata;
  /// When it is emitted, in one sentence.
  const char* when;
};

namespace detail {
inline constexpr const char* started_m[] = {keys::startup_seconds};
inline constexpr const char* started_d[] = {
  keys::pool, keys::worker, keys::pid, keys::profile, keys::slots};
inline constexpr const char* recycled_m[] = {
  keys::uptime_seconds, keys::requests, keys::memory_bytes};
inline constexpr const char* recycled_d[] = {keys::pool, keys::worker,
                                             keys::reason};
inline constexpr const char* over_limit_m[] = {keys::memory_bytes,
                                               keys::threshold_bytes};
inline constexpr const char* over_limit_d[] = {keys::pool, keys::worker};
inline constexpr const char* health_m[] = {keys::misses};
inline constexpr const char* health_d[] = {keys::pool, keys::worker,
                                           keys::reason};
inline constexpr const char* saturated_m[] = {keys::queue_size,
                                              keys::max_queue_size};
inline constexpr const char* saturated_d[] = {keys::pool,
                                              keys::available_workers,
                                              keys::busy_workers};
inline constexpr const char* capacity_m[] = {keys::capacity, keys::load};
inline constexpr const char* capacity_d[] = {keys::pool, keys::worker};
inline constexpr const char* executed_m[] = {keys::duration_seconds,
                                             keys::queue_wait_seconds};
inline constexpr const char* executed_d[] = {keys::pool, keys::worker,
                                             keys::command, keys::success,
                                             keys::error};
inline constexpr const char* failed_m[] = {keys::retry_in_seconds};
inline constexpr const char* failed_d[] = {keys::pool, keys::reason};
inline constexpr const char* recovered_m[] = {keys::downtime_seconds,
                                              keys::attempts};
inline constexpr const char* recovered_d[] = {keys::pool, keys::trigger};
} // namespace detail

/// Every event with its measurement and metadata keys.
inline constexpr std::array<event_spec, 9> event_table{{
  {events::worker_started, detail::started_m, detail::started_d,
   "a worker's process completed its ready handshake"},
  {events::worker_recycled, detail::recycled_m, detail::recycled_d,
   "a worker is replaced (ttl, max_requests, memory, manual, crashed, "
   "unhealthy, timeout)"},
  {events::worker_health_check_failed, detail::health_m, detail::health_d,
   "a worker missed a health check"},
  {events::pool_saturated, detail::saturated_m, detail::saturated_d,
   "a request was refused because the pool's queue was full"},
  {events::pool_capacity_reached, detail::capacity_m, detail::capacity_d,
   "a call took the last free slot of the pool (every slot now busy); at "
   "most once a second per pool"},
  {events::request_executed, detail::executed_m, detail::executed_d,
   "every request got its reply, including those that waited in the queue "
   "or never reached a worker"},
  {events::worker_memory_over_limit, detail::over_limit_m,
   detail::over_limit_d,
   "a worker's first memory sample (PSS) was already over its "
   "memory_threshold_mb: reported once, it keeps serving"},
  {events::pool_failed, detail::failed_m, detail::failed_d,
   "a pool failed (its workers could not be started within max_restarts); "
   "requests get pool_failed until it recovers"},
  {events::pool_recovered, detail::recovered_m, detail::recovered_d,
   "a failed pool is back (a recovery probe became ready, or a manual "
   "restart); its workers are starting"},
}};

/// The row of `name`, or nullptr for an unknown event.
const event_spec* find_spec(std::string_view name);

/// Gauges of one worker in a pool snapshot.
struct worker_gauges {
  /// Worker id, e.g. "default/w3" (never a pid).
  std::string worker;
  int slots = 1;
  int busy = 0;
  /// PSS of its Python process; 0 when unknown.
  uint64_t memory_bytes = 0;
};

/// A pool's current state for the gauges, published periodically by the pool
/// on `topic::snapshots` (not an event: it replaces the previous snapshot).
struct pool_snapshot {
  std::string pool;
  /// Configured workers that are not ready yet.
  int starting = 0;
  /// Requests waiting in the queue.
  uint64_t queue_depth = 0;
  /// Every ready worker.
  std::vector<worker_gauges> workers;
};

/// Inspects worker_gauges.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_gauges& x) {
  return f(caf::meta::type_name("snakepit::telemetry::worker_gauges"),
           x.worker, x.slots, x.busy, x.memory_bytes);
}

/// Inspects pool_snapshot.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_snapshot& x) {
  return f(caf::meta::type_name("snakepit::telemetry::pool_snapshot"), x.pool,
           x.starting, x.queue_depth, x.workers);
}

} // namespace snakepit::telemetry
