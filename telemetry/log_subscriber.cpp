#include "telemetry/log_subscriber.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include "telemetry/bus.hpp"

namespace snakepit::telemetry {

std::string describe(const event& ev) {
  std::string out = ev.name;
  for (const auto& [key, value] : ev.metadata)
    fmt::format_to(std::back_inserter(out), " {}={}", key, value);
  for (const auto& [key, value] : ev.measurements)
    fmt::format_to(std::back_inserter(out), " {}={}", key, value);
  return out;
}

int log_level(const event& ev) {
  using spdlog::level::level_enum;
  if (ev.name == events::request_executed)
    return level_enum::debug;
  if (ev.name == events::pool_failed)
    return level_enum::err;
  if (ev.name == events::worker_health_check_failed
      || ev.name == events::pool_saturated
      || ev.name == events::worker_memory_over_limit)
    return level_enum::warn;
  if (ev.name == events::worker_recycled) {
    const auto& reason = ev.meta(keys::reason);
    if (reason == to_string(recycle_reason::crashed)
        || reason == to_string(recycle_reason::unhealthy)
        || reason == to_string(recycle_reason::timeout))
      return level_enum::warn;
  }
  return level_enum::info;
}

caf::actor spawn_log_subscriber(caf::actor_system& sys,
                                std::shared_ptr<spdlog::logger> logger) {
  auto fun = [](caf::event_based_actor*,
                std::shared_ptr<spdlog::logger> log) -> caf::behavior {
    return {
      [log](const event& ev) {
        auto& target = log ? *log : *spdlog::default_logger_raw();
        auto level = static_cast<spdlog::level::level_enum>(log_level(ev));
        if (target.should_log(level))
          target.log(level, "{}", describe(ev));
      },
      [](sync_atom) { return sync_atom::value; },
    };
  };
  auto actor = sys.spawn(fun, std::move(logger));
  subscribe(actor, topic::events);
  return actor;
}

} // namespace snakepit::telemetry
