#include "telemetry/log_subscriber.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <iterator>
#include <type_traits>

#include <snakepit/telemetry/bus.hpp>

namespace snakepit::telemetry {

namespace {

/// Appends ` key=value` to `out`.
struct field_printer {
  std::string& out;

  template <class T>
  void operator()(const char* key, const T& value) const {
    if constexpr (std::is_same_v<T, caf::timespan>)
      fmt::format_to(std::back_inserter(out), " {}={}", key,
                     std::chrono::duration<double>{value}.count());
    else if constexpr (std::is_same_v<T, recycle_reason>)
      fmt::format_to(std::back_inserter(out), " {}={}", key,
                     to_string(value));
    else
      fmt::format_to(std::back_inserter(out), " {}={}", key, value);
  }
};

bool after_a_failure(recycle_reason reason) {
  return reason == recycle_reason::crashed
         || reason == recycle_reason::unhealthy
         || reason == recycle_reason::timeout;
}

} // namespace

std::string describe(const event& ev) {
  return std::visit(
    [](const auto& x) {
      std::string out = x.name;
      for_each_field(x, field_printer{out});
      return out;
    },
    ev);
}

int log_level(const event& ev) {
  using spdlog::level::level_enum;
  if (std::holds_alternative<request_executed>(ev)
      || std::holds_alternative<session_created>(ev)
      || std::holds_alternative<session_expired>(ev))
    return level_enum::debug;
  if (std::holds_alternative<pool_failed>(ev))
    return level_enum::err;
  if (std::holds_alternative<worker_health_check_failed>(ev)
      || std::holds_alternative<pool_saturated>(ev)
      || std::holds_alternative<worker_memory_over_limit>(ev)
      || std::holds_alternative<session_lost>(ev))
    return level_enum::warn;
  if (auto* recycled = std::get_if<worker_recycled>(&ev);
      recycled != nullptr && after_a_failure(recycled->reason))
    return level_enum::warn;
  return level_enum::info;
}

caf::actor spawn_log_subscriber(caf::actor_system& sys,
                                std::shared_ptr<spdlog::logger> logger) {
  auto fun = [](caf::event_based_actor*,
                std::shared_ptr<spdlog::logger> log) -> caf::behavior {
    return event_behavior(
      [log](const event& ev) {
        auto& target = log ? *log : *spdlog::default_logger_raw();
        auto level = static_cast<spdlog::level::level_enum>(log_level(ev));
        if (target.should_log(level))
          target.log(level, "{}", describe(ev));
      },
      [](sync_atom) { return sync_atom::value; });
  };
  auto actor = sys.spawn(fun, std::move(logger));
  subscribe(actor, topic::events);
  return actor;
}

} // namespace snakepit::telemetry
