#include <snakepit/telemetry/events.hpp>

namespace snakepit::telemetry {

const char* name_of(const event& ev) {
  return std::visit([](const auto& x) { return x.name; }, ev);
}

caf::timestamp time_of(const event& ev) {
  return std::visit([](const auto& x) { return x.time; }, ev);
}

worker_started make_worker_started(const std::string& pool,
                                   const std::string& worker, int pid,
                                   const std::string& profile, int slots,
                                   caf::timespan startup) {
  return {pool, worker, pid, profile, slots, startup, caf::make_timestamp()};
}

worker_recycled make_worker_recycled(const std::string& pool,
                                     const std::string& worker,
                                     recycle_reason reason,
                                     caf::timespan uptime, uint64_t requests,
                                     uint64_t memory_bytes,
                                     uint64_t request_limit) {
  auto overshoot = request_limit > 0 && requests > request_limit
                     ? requests - request_limit
                     : 0;
  return {pool,         worker,        reason,    uptime,
          requests,     memory_bytes,  request_limit,
          overshoot,    caf::make_timestamp()};
}

worker_memory_over_limit make_memory_over_limit(const std::string& pool,
                                                const std::string& worker,
                                                uint64_t memory_bytes,
                                                uint64_t threshold_bytes) {
  return {pool, worker, memory_bytes, threshold_bytes, caf::make_timestamp()};
}

worker_health_check_failed make_health_check_failed(const std::string& pool,
                                                    const std::string& worker,
                                                    int misses,
                                                    const std::string& reason) {
  return {pool, worker, misses, reason, caf::make_timestamp()};
}

pool_saturated make_pool_saturated(const std::string& pool,
                                   uint64_t queue_size,
                                   uint64_t max_queue_size,
                                   int available_workers, int busy_workers) {
  return {pool,         queue_size, max_queue_size, available_workers,
          busy_workers, caf::make_timestamp()};
}

pool_capacity_reached make_capacity_reached(const std::string& pool,
                                            const std::string& worker,
                                            int capacity, int load) {
  return {pool, worker, capacity, load, caf::make_timestamp()};
}

request_executed make_request_executed(const std::string& pool,
                                       const std::string& worker,
                                       const std::string& command,
                                       bool success, caf::timespan duration,
                                       caf::timespan queue_wait,
                                       const std::string& error,
                                       int64_t chunks, int64_t chunk_bytes,
                                       const std::string& node) {
  return {pool,
          worker,
          command,
          success,
          success ? std::string{} : error,
          duration,
          queue_wait,
          chunks,
          chunk_bytes,
          node,
          caf::make_timestamp()};
}

pool_failed make_pool_failed(const std::string& pool,
                             const std::string& reason,
                             caf::timespan retry_in) {
  return {pool, reason, retry_in, caf::make_timestamp()};
}

pool_recovered make_pool_recovered(const std::string& pool,
                                   const std::string& trigger,
                                   caf::timespan downtime, int attempts) {
  return {pool, trigger, downtime, attempts, caf::make_timestamp()};
}

session_created make_session_created(const std::string& pool,
                                     const std::string& session,
                                     const std::string& worker) {
  return {pool, session, worker, caf::make_timestamp()};
}

session_expired make_session_expired(const std::string& pool,
                                     const std::string& session,
                                     const std::string& worker,
                                     caf::timespan idle) {
  return {pool, session, worker, idle, caf::make_timestamp()};
}

session_lost make_session_lost(const std::string& pool,
                               const std::string& session,
                               const std::string& worker,
                               const std::string& reason) {
  return {pool, session, worker, reason, caf::make_timestamp()};
}

session_moved make_session_moved(const std::string& pool,
                                 const std::string& session,
                                 const std::string& worker,
                                 const std::string& to_worker,
                                 int64_t state_bytes, caf::timespan duration) {
  return {pool,      session,     worker, to_worker,
          state_bytes, duration, caf::make_timestamp()};
}

const std::string& pool_of(const event& ev) {
  return std::visit([](const auto& x) -> const std::string& { return x.pool; },
                    ev);
}

namespace {

template <class Event>
event_spec row(const char* when) {
  return {Event::name, field_keys<Event>(), when};
}

} // namespace

const std::vector<event_spec>& event_table() {
  static const std::vector<event_spec> table{
    row<worker_started>("a worker's process completed its ready handshake"),
    row<worker_recycled>("a worker is replaced (ttl, max_requests, memory, "
                         "manual, crashed, unhealthy, timeout)"),
    row<worker_health_check_failed>("a worker missed a health check"),
    row<pool_saturated>(
      "a request was refused because the pool's queue was full"),
    row<pool_capacity_reached>(
      "a call took the last free slot of the pool (every slot now busy); at "
      "most once a second per pool"),
    row<request_executed>(
      "every request got its reply, including those that waited in the "
      "queue or never reached a worker"),
    row<worker_memory_over_limit>(
      "a worker's first memory sample (PSS) was already over its "
      "memory_threshold_mb: reported once, it keeps serving"),
    row<pool_failed>(
      "a pool failed (its workers could not be started within "
      "max_restarts); requests get pool_failed until it recovers"),
    row<pool_recovered>(
      "a failed pool is back (a recovery probe became ready, or a manual "
      "restart); its workers are starting"),
    row<session_created>("a request opened a session on a worker"),
    row<session_expired>(
      "a session had no request for session_ttl and was closed (a lost one "
      "forgotten)"),
    row<session_lost>(
      "a session's worker went with its state (crashed, recycled without "
      "snapshot hooks, or the move failed)"),
    row<session_moved>(
      "a recycle moved a session's state to the replacement worker"),
  };
  return table;
}

const event_spec* find_spec(std::string_view name) {
  for (const auto& spec : event_table())
    if (name == spec.name)
      return &spec;
  return nullptr;
}

} // namespace snakepit::telemetry
