#pragma once

/// Start-up time of a pool: from creating the host's runtime to every
/// worker ready.

#include <chrono>
#include <functional>
#include <string>
#include <variant>

namespace caf {
class actor_system_config;
} // namespace caf

namespace snakepit::bench {

/// Applies the bench's CAF settings to a fresh configuration, after
/// `prepare` (called for every actor system the bench creates).
using system_setup = std::function<void(caf::actor_system_config&)>;

/// Starts a fresh host (its own actor system, runtime and root supervisor)
/// with one pool of `size` showcase workers, and returns the time from
/// `runtime::create` until the pool reported all workers ready; or an error
/// text. Stops the host before returning.
std::variant<std::chrono::nanoseconds, std::string>
measure_startup(int size, const system_setup& setup);

} // namespace snakepit::bench
