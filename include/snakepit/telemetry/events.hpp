#pragma once

/// Telemetry events: the typed event structs (event_types.hpp), `event`
/// (any of them, for callbacks and sinks), the field keys that logs and
/// metrics use, a field visitor per event, and the table of every event
/// that docs/telemetry.md and the tests follow.

#include <caf/meta/type_name.hpp>
#include <caf/timestamp.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <snakepit/telemetry/event_types.hpp>

namespace snakepit::telemetry {

/// Field keys in logs (`key=value`) and docs; durations are written in
/// seconds, as their keys say.
namespace keys {
inline constexpr const char* startup_seconds = "startup_seconds";
inline constexpr const char* uptime_seconds = "uptime_seconds";
inline constexpr const char* requests = "requests";
inline constexpr const char* memory_bytes = "memory_bytes";
inline constexpr const char* request_limit = "request_limit";
inline constexpr const char* overshoot = "overshoot";
inline constexpr const char* threshold_bytes = "threshold_bytes";
inline constexpr const char* misses = "misses";
inline constexpr const char* queue_size = "queue_size";
inline constexpr const char* max_queue_size = "max_queue_size";
inline constexpr const char* capacity = "capacity";
inline constexpr const char* load = "load";
inline constexpr const char* duration_seconds = "duration_seconds";
inline constexpr const char* queue_wait_seconds = "queue_wait_seconds";
inline constexpr const char* chunks = "chunks";
inline constexpr const char* chunk_bytes = "chunk_bytes";
inline constexpr const char* node = "node";
inline constexpr const char* retry_in_seconds = "retry_in_seconds";
inline constexpr const char* downtime_seconds = "downtime_seconds";
inline constexpr const char* attempts = "attempts";
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
inline constexpr const char* session = "session";
inline constexpr const char* idle_seconds = "idle_seconds";
inline constexpr const char* to_worker = "to_worker";
inline constexpr const char* state_bytes = "state_bytes";
} // namespace keys

/// Any event: what callbacks and sinks receive.
using event
  = std::variant<worker_started, worker_recycled, worker_memory_over_limit,
                 worker_health_check_failed, pool_saturated,
                 pool_capacity_reached, request_executed, pool_failed,
                 pool_recovered, session_created, session_expired,
                 session_lost, session_moved>;

/// The name of any event (`events::*`).
const char* name_of(const event& ev);

/// When any event happened.
caf::timestamp time_of(const event& ev);

/// The pool any event is about.
const std::string& pool_of(const event& ev);

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const worker_started& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::worker, x.worker);
  f(keys::pid, x.pid);
  f(keys::profile, x.profile);
  f(keys::slots, x.slots);
  f(keys::startup_seconds, x.startup);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const worker_recycled& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::worker, x.worker);
  f(keys::reason, x.reason);
  f(keys::uptime_seconds, x.uptime);
  f(keys::requests, x.requests);
  f(keys::memory_bytes, x.memory_bytes);
  f(keys::request_limit, x.request_limit);
  f(keys::overshoot, x.overshoot);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const worker_memory_over_limit& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::worker, x.worker);
  f(keys::memory_bytes, x.memory_bytes);
  f(keys::threshold_bytes, x.threshold_bytes);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const worker_health_check_failed& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::worker, x.worker);
  f(keys::misses, x.misses);
  f(keys::reason, x.reason);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const pool_saturated& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::queue_size, x.queue_size);
  f(keys::max_queue_size, x.max_queue_size);
  f(keys::available_workers, x.available_workers);
  f(keys::busy_workers, x.busy_workers);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const pool_capacity_reached& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::worker, x.worker);
  f(keys::capacity, x.capacity);
  f(keys::load, x.load);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const request_executed& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::worker, x.worker);
  f(keys::command, x.command);
  f(keys::success, x.success);
  f(keys::error, x.error);
  f(keys::duration_seconds, x.duration);
  f(keys::queue_wait_seconds, x.queue_wait);
  f(keys::chunks, x.chunks);
  f(keys::chunk_bytes, x.chunk_bytes);
  f(keys::node, x.node);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const pool_failed& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::reason, x.reason);
  f(keys::retry_in_seconds, x.retry_in);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const pool_recovered& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::trigger, x.trigger);
  f(keys::downtime_seconds, x.downtime);
  f(keys::attempts, x.attempts);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const session_created& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::session, x.session);
  f(keys::worker, x.worker);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const session_expired& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::session, x.session);
  f(keys::worker, x.worker);
  f(keys::idle_seconds, x.idle);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const session_lost& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::session, x.session);
  f(keys::worker, x.worker);
  f(keys::reason, x.reason);
}

/// Calls `f(key, value)` for each field of `x` but its time.
template <class F>
void for_each_field(const session_moved& x, F&& f) {
  f(keys::pool, x.pool);
  f(keys::session, x.session);
  f(keys::worker, x.worker);
  f(keys::to_worker, x.to_worker);
  f(keys::state_bytes, x.state_bytes);
  f(keys::duration_seconds, x.duration);
}

// One helper per event: fills in every field and the time (now).

/// See `worker_started`.
worker_started make_worker_started(const std::string& pool,
                                   const std::string& worker, int pid,
                                   const std::string& profile, int slots,
                                   caf::timespan startup);

/// See `worker_recycled`; `overshoot` follows from `requests` and
/// `request_limit`.
worker_recycled make_worker_recycled(const std::string& pool,
                                     const std::string& worker,
                                     recycle_reason reason,
                                     caf::timespan uptime, uint64_t requests,
                                     uint64_t memory_bytes,
                                     uint64_t request_limit = 0);

/// See `worker_memory_over_limit`.
worker_memory_over_limit make_memory_over_limit(const std::string& pool,
                                                const std::string& worker,
                                                uint64_t memory_bytes,
                                                uint64_t threshold_bytes);

/// See `worker_health_check_failed`.
worker_health_check_failed make_health_check_failed(const std::string& pool,
                                                    const std::string& worker,
                                                    int misses,
                                                    const std::string& reason);

/// See `pool_saturated`.
pool_saturated make_pool_saturated(const std::string& pool,
                                   uint64_t queue_size,
                                   uint64_t max_queue_size,
                                   int available_workers, int busy_workers);

/// See `pool_capacity_reached`.
pool_capacity_reached make_capacity_reached(const std::string& pool,
                                            const std::string& worker,
                                            int capacity, int load);

/// See `request_executed`; `error` is ignored on success; `chunks` and
/// `chunk_bytes` count a stream's chunks; `node` is the other host of a
/// remote pool.
request_executed make_request_executed(const std::string& pool,
                                       const std::string& worker,
                                       const std::string& command,
                                       bool success, caf::timespan duration,
                                       caf::timespan queue_wait,
                                       const std::string& error = {},
                                       int64_t chunks = 0,
                                       int64_t chunk_bytes = 0,
                                       const std::string& node = {});

/// See `pool_failed`.
pool_failed make_pool_failed(const std::string& pool,
                             const std::string& reason,
                             caf::timespan retry_in);

/// See `pool_recovered`.
pool_recovered make_pool_recovered(const std::string& pool,
                                   const std::string& trigger,
                                   caf::timespan downtime, int attempts);

/// See `session_created`.
session_created make_session_created(const std::string& pool,
                                     const std::string& session,
                                     const std::string& worker);

/// See `session_expired`.
session_expired make_session_expired(const std::string& pool,
                                     const std::string& session,
                                     const std::string& worker,
                                     caf::timespan idle);

/// See `session_lost`.
session_lost make_session_lost(const std::string& pool,
                               const std::string& session,
                               const std::string& worker,
                               const std::string& reason);

/// See `session_moved`.
session_moved make_session_moved(const std::string& pool,
                                 const std::string& session,
                                 const std::string& worker,
                                 const std::string& to_worker,
                                 int64_t state_bytes, caf::timespan duration);

/// The field keys of event type `Event`, in the order of `for_each_field`.
template <class Event>
std::vector<const char*> field_keys() {
  std::vector<const char*> out;
  for_each_field(Event{}, [&](const char* key, const auto&) {
    out.push_back(key);
  });
  return out;
}

/// One row of the event table.
struct event_spec {
  const char* name;
  /// Its fields' keys, in the order of `for_each_field`.
  std::vector<const char*> fields;
  /// When it is emitted, in one sentence.
  const char* when;
};

/// Every event: its name, fields and when it is emitted.
const std::vector<event_spec>& event_table();

/// The row of `name`, or nullptr for an unknown event.
const event_spec* find_spec(std::string_view name);

} // namespace snakepit::telemetry
