#pragma once

/// A whole Snakepit host inside a test: actor system, runtime, root
/// supervisor and client, started from a host_config and stopped in order
/// (the same steps as tools/cli/host_session.cpp).

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <spdlog/fwd.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <snakepit/snakepit.hpp>

#include "support.hpp"

namespace snakepit::it {

/// One pool "default" of `size` showcase workers with short timeouts, its
/// run directory base under `run_base`; the test adapters
/// (`test_adapters_dir`) are on its workers' PYTHONPATH.
host_config make_config(const std::string& run_base, int size = 1);

/// The pids of the pool's workers, in the order of its status.
std::vector<int> worker_pids(const pool_snapshot& st);

/// True when `pool` starts its workers from a fork server: `fork_server`
/// is on and the transport is native (gRPC pools never fork).
bool uses_fork_server(const pool_config& pool);

/// Routes spdlog's default logger into memory for its lifetime, one entry
/// per log record as "[<level>] <message>" (levels as spdlog names them:
/// "info", "warning", "error"...). Declare it before the host_fixture: the
/// runtime's process host keeps the logger that is the default when it is
/// created (worker output and `snakepit-warning: ` lines go there), and
/// uses it until the host has stopped.
class captured_log {
public:
  captured_log();
  ~captured_log();
  captured_log(const captured_log&) = delete;
  captured_log& operator=(const captured_log&) = delete;

  /// Everything logged so far, one record per line.
  std::string text() const;

  /// The records logged so far.
  std::vector<std::string> lines() const;

  /// Records that contain every one of `needles`.
  std::vector<std::string>
  matching(std::initializer_list<std::string_view> needles) const;

  class sink;

private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<sink> sink_;
};

/// Owns a running host. The destructor stops it: every pool, every worker
/// process, then the runtime (which removes the run directory).
class host_fixture {
public:
  /// Offers host tools, once the actor system runs and before the pools
  /// start.
  using tool_offer
    = std::function<void(caf::actor_system&, host_tool_registry&)>;

  /// Starts the host, after `offer` (if set); throws std::runtime_error
  /// when the runtime cannot be created. Does not wait for the workers
  /// (see `await_ready`).
  explicit host_fixture(host_config cfg, tool_offer offer = {});
  ~host_fixture();
  host_fixture(const host_fixture&) = delete;
  host_fixture& operator=(const host_fixture&) = delete;

  snakepit::client& client() {
    return *client_;
  }

  /// The host's actor system, for tests that talk to a pool as an actor.
  caf::actor_system& system() {
    return *sys_;
  }

  /// The pool actor named `pool` (looked up at the root supervisor); throws
  /// std::runtime_error if there is none (the message says
  /// `pool_not_found: ...`) or it is not running.
  snakepit::pool_actor pool_handle(const std::string& pool);

  const host_config& config() const {
    return cfg_;
  }

  /// This host's run id (on every worker's command line).
  const std::string& run_id() const {
    return run_id_;
  }

  /// This host's run directory, `<run_dir>/<run id>`.
  const std::string& run_path() const {
    return run_path_;
  }

  /// Waits until the pool (default: the first) is ready or failed; throws
  /// std::runtime_error if it is missing or did not settle within `timeout`.
  pool_snapshot await_ready(std::string pool = {},
                          std::chrono::milliseconds timeout = patience);

  /// Current status of the pool (default: the first); throws if missing.
  pool_snapshot status(std::string pool = {});

  /// The pid of the worker named `worker_id` (e.g. "default/w1") of the
  /// pool (default: the first), from its status; 0 when it has none such.
  int worker_pid(const std::string& worker_id, std::string pool = {});

  /// Shorthand for `client().execute(first pool, command, args)`.
  execute_reply exec(const std::string& command,
                     const std::string& args_json = "{}");

  /// Stops the host and waits for everything to end. Idempotent.
  void stop();

private:
  host_config cfg_;
  std::unique_ptr<caf::actor_system_config> sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<runtime> rt_;
  snakepit::host_actor root_;
  std::unique_ptr<snakepit::client> client_;
  std::string run_id_;
  std::string run_path_;
};

} // namespace snakepit::it
