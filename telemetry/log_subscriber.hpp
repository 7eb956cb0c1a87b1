#pragma once

/// A subscriber that writes every telemetry event to the log (spdlog):
/// `snakepit.request.executed` at debug level, failures and saturation at
/// warn, the rest at info.

#include <caf/fwd.hpp>

#include <memory>
#include <string>

#include <snakepit/telemetry/events.hpp>

namespace spdlog {
class logger;
} // namespace spdlog

namespace snakepit::telemetry {

/// One line for `ev`: its name, then its fields in the order of
/// `for_each_field` (durations in seconds), e.g.
/// `snakepit.worker.recycled pool=default worker=default/w3 reason=ttl
/// uptime_seconds=3600 requests=1200 memory_bytes=52428800`.
std::string describe(const event& ev);

/// The spdlog level of `ev` (as spdlog::level::level_enum's value):
/// debug for request.executed, warn for health check failures, saturation
/// and recycles after a crash, hang or failed health check, info otherwise.
int log_level(const event& ev);

/// Spawns an actor that logs each event to `logger` (the default logger
/// when null), subscribed before this returns. It also answers `sync_atom`.
/// Keep the handle: the subscription does not keep it alive. Stop it (send
/// an exit, or drop the handle) before the actor system is destroyed.
caf::actor spawn_log_subscriber(caf::actor_system& sys,
                                std::shared_ptr<spdlog::logger> logger
                                = nullptr);

} // namespace snakepit::telemetry
