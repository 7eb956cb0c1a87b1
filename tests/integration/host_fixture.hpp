#pragma once

/// A whole Snakepit host inside a test: actor system, runtime, root
/// supervisor and client, started from a host_config and stopped in order
/// (the same steps as tools/cli/host_session.cpp).

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "snakepit/snakepit.hpp"
#include "support.hpp"

namespace snakepit::it {

/// One pool "default" of `size` showcase workers with short timeouts, its
/// run directory base under `run_base`.
host_config make_config(const std::string& run_base, int size = 1);

/// Keeps one gRPC callback-API channel alive for its lifetime.
///
/// Works around a library bug (see the `[.bug]` tests): with gRPC 1.51 the
/// callback API runs completions on a process-wide "CallbackAlternativeCQ"
/// whose threads are torn down when the last channel that used it is
/// destroyed. The bridge's call state holds a reference to the worker's
/// channel, so when a worker drops its channel while a call completes (stop
/// with a call in flight, a crash, or a stop right after a reply), the last
/// reference can go away on that queue's own thread, which then deletes the
/// queue under itself: `assertion failed: prior > 0` and SIGABRT. With this
/// guard a worker's channel is never the last one.
class grpc_guard {
public:
  grpc_guard();
  ~grpc_guard();
  grpc_guard(const grpc_guard&) = delete;
  grpc_guard& operator=(const grpc_guard&) = delete;

private:
  std::shared_ptr<void> channel_;
};

/// Whether a host_fixture holds a `grpc_guard`.
enum class guard_grpc { yes, no };

/// Owns a running host. The destructor stops it: every pool, every worker
/// process, then the runtime (which removes the run directory).
class host_fixture {
public:
  /// Starts the host; throws std::runtime_error when the runtime cannot be
  /// created. Does not wait for the workers (see `await_ready`). Unless
  /// told otherwise, holds a `grpc_guard` for its lifetime.
  explicit host_fixture(host_config cfg, guard_grpc guard = guard_grpc::yes);
  ~host_fixture();
  host_fixture(const host_fixture&) = delete;
  host_fixture& operator=(const host_fixture&) = delete;

  snakepit::client& client() {
    return *client_;
  }

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
  pool_status await_ready(std::string pool = {},
                          std::chrono::milliseconds timeout = patience);

  /// Current status of the pool (default: the first); throws if missing.
  pool_status status(std::string pool = {});

  /// Shorthand for `client().execute(first pool, command, args)`.
  execute_reply exec(const std::string& command,
                     const std::string& args_json = "{}");

  /// Stops the host and waits for everything to end. Idempotent.
  void stop();

private:
  std::unique_ptr<grpc_guard> guard_;
  host_config cfg_;
  std::unique_ptr<caf::actor_system_config> sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<runtime> rt_;
  caf::actor root_;
  std::unique_ptr<snakepit::client> client_;
  std::string run_id_;
  std::string run_path_;
};

} // namespace snakepit::it
