#pragma once

/// A whole Snakepit host inside one program: actor system, runtime, root
/// supervisor and client, started from a config and stopped in order.

#include <caf/actor.hpp>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "snakepit/snakepit.hpp"

namespace snakepit::cli {

/// Owns a running host; the destructor stops it (pools, workers, processes).
class host_session {
public:
  /// Starts every pool of `cfg`. Returns an error text if the runtime cannot
  /// be created (e.g. an unsafe run directory).
  static std::variant<std::unique_ptr<host_session>, std::string>
  start(host_config cfg);

  ~host_session();

  /// Waits until every pool is ready or failed; returns their status.
  std::vector<pool_status> await_ready();

  /// Blocking access to the pools.
  snakepit::client& client() {
    return *client_;
  }

  /// The configuration the host runs.
  const host_config& config() const {
    return cfg_;
  }

  /// Stops the tree and every worker process, then the runtime. Idempotent.
  void stop();

private:
  host_session() = default;

  host_config cfg_;
  std::unique_ptr<caf::actor_system_config> sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<runtime> rt_;
  caf::actor root_;
  std::unique_ptr<snakepit::client> client_;
};

/// Loads the config at `config_path` (the built-in default when empty) and
/// sets up logging to stderr at `log_level`, or at the config's level when
/// `log_level` is empty. Prints every problem to stderr and returns nullopt
/// on any.
std::optional<host_config> prepare(const std::string& config_path,
                                   const std::string& log_level);

/// Renders one pool's status for humans, one line.
std::string describe_pool(const pool_status& s);

} // namespace snakepit::cli
