#pragma once

/// A whole Snakepit host for code outside actors: its own actor system, the
/// runtime, the root supervisor with every pool of a config, and a blocking
/// client; stopped in the right order.
///
///   auto started = snakepit::host::start(snakepit::default_config());
///   auto& h = *std::get<std::unique_ptr<snakepit::host>>(started);
///   h.await_ready();
///   auto reply = h.client().execute("default", "add", R"({"a":1,"b":2})");

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/config.hpp"
#include "messages/status.hpp"
#include "snakepit/client.hpp"
#include "snakepit/runtime.hpp"

namespace snakepit {

/// Owns a running host; the destructor stops it (pools, workers, processes).
class host {
public:
  /// Starts every pool of `cfg` in a new actor system. Returns an error text
  /// if the runtime cannot be created (e.g. an unsafe run directory).
  static std::variant<std::unique_ptr<host>, std::string>
  start(host_config cfg);

  ~host();

  host(const host&) = delete;
  host& operator=(const host&) = delete;

  /// Waits until every pool is ready or failed (bounded by its start-up
  /// timeouts and restart budget); returns their status in config order.
  std::vector<pool_status> await_ready();

  /// Blocking access to the pools.
  snakepit::client& client() {
    return *client_;
  }

  /// The actor system the pools run in, for actors of one's own.
  caf::actor_system& system() {
    return *sys_;
  }

  /// The root supervisor (answers `(lookup_atom, pool name)`).
  const caf::actor& root() const {
    return root_;
  }

  /// The runtime (run directory, launcher).
  const std::shared_ptr<snakepit::runtime>& runtime() const {
    return rt_;
  }

  /// The configuration the host runs.
  const host_config& config() const {
    return cfg_;
  }

  /// Stops the tree and waits for every actor (each worker stops its
  /// process: SIGTERM, grace, SIGKILL), then the runtime. Idempotent.
  void stop();

private:
  host() = default;

  host_config cfg_;
  std::unique_ptr<caf::actor_system_config> sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<snakepit::runtime> rt_;
  caf::actor root_;
  std::unique_ptr<snakepit::client> client_;
};

} // namespace snakepit
