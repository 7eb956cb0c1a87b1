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

/// Loads `path` (or the built-in default config when empty), printing every
/// error to stderr. Returns nullopt on errors.
std::optional<host_config> load_config_or_report(const std::string& path);

/// Sets spdlog's default logger to stderr with `level` ("info", "debug"...).
/// Returns false for an unknown level.
bool setup_logging(const std::string& level);

/// Renders one pool's status for humans, one line.
std::string describe_pool(const pool_status& s);

} // namespace snakepit::cli
