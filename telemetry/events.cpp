#include "telemetry/events.hpp"

namespace snakepit::telemetry {

namespace {

event make(const char* name) {
  event ev;
  ev.name = name;
  ev.time = caf::make_timestamp();
  return ev;
}

} // namespace

double event::measurement(const std::string& key, double fallback) const {
  auto i = measurements.find(key);
  return i != measurements.end() ? i->second : fallback;
}

const std::string& event::meta(const std::string& key) const {
  static const std::string empty;
  auto i = metadata.find(key);
  return i != metadata.end() ? i->second : empty;
}

event make_worker_started(const std::string& pool, const std::string& worker,
                          int pid, const std::string& profile, int slots,
                          seconds startup) {
  auto ev = make(events::worker_started);
  ev.measurements[keys::startup_seconds] = startup.count();
  ev.metadata[keys::pool] = pool;
  ev.metadata[keys::worker] = worker;
  ev.metadata[keys::pid] = std::to_string(pid);
  ev.metadata[keys::profile] = profile;
  ev.metadata[keys::slots] = std::to_string(slots);
  return ev;
}

event make_worker_recycled(const std::string& pool, const std::string& worker,
                           recycle_reason reason, seconds uptime,
                           uint64_t requests, uint64_t memory_bytes) {
  auto ev = make(events::worker_recycled);
  ev.measurements[keys::uptime_seconds] = uptime.count();
  ev.measurements[keys::requests] = static_cast<double>(requests);
  ev.measurements[keys::memory_bytes] = static_cast<double>(memory_bytes);
  ev.metadata[keys::pool] = pool;
  ev.metadata[keys::worker] = worker;
  ev.metadata[keys::reason] = to_string(reason);
  return ev;
}

event make_memory_over_limit(const std::string& pool,
                             const std::string& worker, uint64_t memory_bytes,
                             uint64_t threshold_bytes) {
  auto ev = make(events::worker_memory_over_limit);
  ev.measurements[keys::memory_bytes] = static_cast<double>(memory_bytes);
  ev.measurements[keys::threshold_bytes] = static_cast<double>(threshold_bytes);
  ev.metadata[keys::pool] = pool;
  ev.metadata[keys::worker] = worker;
  return ev;
}

event make_health_check_failed(const std::string& pool,
                               const std::string& worker, int misses,
                               const std::string& reason) {
  auto ev = make(events::worker_health_check_failed);
  ev.measurements[keys::misses] = misses;
  ev.metadata[keys::pool] = pool;
  ev.metadata[keys::worker] = worker;
  ev.metadata[keys::reason] = reason;
  return ev;
}

event make_pool_saturated(const std::string& pool, uint64_t queue_size,
                          uint64_t max_queue_size, int available_workers,
                          int busy_workers) {
  auto ev = make(events::pool_saturated);
  ev.measurements[keys::queue_size] = static_cast<double>(queue_size);
  ev.measurements[keys::max_queue_size] = static_cast<double>(max_queue_size);
  ev.metadata[keys::pool] = pool;
  ev.metadata[keys::available_workers] = std::to_string(available_workers);
  ev.metadata[keys::busy_workers] = std::to_string(busy_workers);
  return ev;
}

event make_capacity_reached(const std::string& pool, const std::string& worker,
                            int capacity, int load) {
  auto ev = make(events::pool_capacity_reached);
  ev.measurements[keys::capacity] = capacity;
  ev.measurements[keys::load] = load;
  ev.metadata[keys::pool] = pool;
  ev.metadata[keys::worker] = worker;
  return ev;
}

event make_request_executed(const std::string& pool, const std::string& worker,
                            const std::string& command, bool success,
                            seconds duration, seconds queue_wait,
                            const std::string& error) {
  auto ev = make(events::request_executed);
  ev.measurements[keys::duration_seconds] = duration.count();
  ev.measurements[keys::queue_wait_seconds] = queue_wait.count();
  ev.metadata[keys::pool] = pool;
  ev.metadata[keys::worker] = worker;
  ev.metadata[keys::command] = command;
  ev.metadata[keys::success] = success ? "true" : "false";
  ev.metadata[keys::error] = success ? std::string{} : error;
  return ev;
}

event make_pool_failed(const std::string& pool, const std::string& reason,
                       seconds retry_in) {
  auto ev = make(events::pool_failed);
  ev.measurements[keys::retry_in_seconds] = retry_in.count();
  ev.metadata[keys::pool] = pool;
  ev.metadata[keys::reason] = reason;
  return ev;
}

event make_pool_recovered(const std::string& pool, const std::string& trigger,
                          seconds downtime, int attempts) {
  auto ev = make(events::pool_recovered);
  ev.measurements[keys::downtime_seconds] = downtime.count();
  ev.measurements[keys::attempts] = attempts;
  ev.metadata[keys::pool] = pool;
  ev.metadata[keys::trigger] = trigger;
  return ev;
}

const event_spec* find_spec(std::string_view name) {
  for (const auto& spec : event_table)
    if (name == spec.name)
      return &spec;
  return nullptr;
}

} // namespace snakepit::telemetry
