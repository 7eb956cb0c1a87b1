#pragma once

/// The process-level resources of a host, shared by all its pools: the
/// launcher thread that forks Python workers (and anchors their
/// die-with-parent signal), the private run directory for their sockets,
/// and a guard that keeps gRPC's client callback machinery alive.

#include <memory>
#include <string>

#include <snakepit/config.hpp>
#include <snakepit/host_tools.hpp>
#include <snakepit/result.hpp>

namespace snakepit {

/// What a pool's workers need from their host (launcher, run directory,
/// Python location); internal, obtained from `runtime::env()`.
struct worker_environment;

/// The mutual-TLS front between hosts; internal (cluster/tls_front.hpp).
class tls_front;

namespace process {
class process_host;
class run_directory;
} // namespace process

/// Owns the launcher and the run directory. Create one per host, before
/// spawning pools; destroy it (or call `shutdown`) after the actor system
/// has stopped every pool.
class runtime {
public:
  /// Finds the snakepit_bridge package (`cfg.python_path`, else
  /// SNAKEPIT_PYTHON_PATH, else beside the library: see
  /// process/python_location.hpp), creates the run directory under
  /// `cfg.run_dir` (or the default base), reaping orphans of crashed
  /// earlier runs there, and starts the launcher. Fails with
  /// `invalid_arguments` when the package is not found or the run
  /// directory cannot be used (e.g. an unsafe run_dir).
  static result<std::shared_ptr<runtime>> create(const host_config& cfg);

  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// What workers need; share it with `spawn_pool`.
  std::shared_ptr<const worker_environment> env() const {
    return env_;
  }

  /// The host tools this host offers its workers' tools
  /// (<snakepit/host_tools.hpp>): add them before the pools start, so
  /// that every worker lists them.
  host_tool_registry& host_tools() {
    return *host_tools_;
  }

  /// The mutual-TLS front to other hosts, started when the config has
  /// `[cluster.tls]`; else null. Internal: the host serves and reaches
  /// other hosts through it.
  const std::shared_ptr<tls_front>& tls() const {
    return tls_;
  }

  /// Stops any process still running (SIGTERM, grace, SIGKILL), joins the
  /// launcher thread and removes the run directory. Idempotent.
  void shutdown();

private:
  runtime() = default;

  std::shared_ptr<process::process_host> host_;
  /// Keeps gRPC's client callback machinery alive for the host's lifetime.
  std::shared_ptr<void> grpc_guard_;
  std::unique_ptr<process::run_directory> run_dir_;
  std::shared_ptr<const worker_environment> env_;
  std::shared_ptr<host_tool_registry> host_tools_
    = std::make_shared<host_tool_registry>();
  std::shared_ptr<tls_front> tls_;
};

} // namespace snakepit
