#pragma once

/// What every worker of a host shares: the process launcher, the way to
/// connect to a ready worker, and the private run directory its sockets and
/// ready files live in.

#include <functional>
#include <memory>
#include <string>

#include <snakepit/host_tools.hpp>

#include "bridge/channel.hpp"
#include "process/launcher.hpp"

namespace snakepit {

/// Opens the channel to a ready worker at the endpoint its ready file names;
/// null when the address is of no transport the host has. Must not block
/// (connection is lazy).
using channel_factory = std::function<std::shared_ptr<bridge::channel>(
  const bridge::endpoint& where)>;

/// Shared, read-only context of the workers of one host.
struct worker_environment {
  /// Starts and stops the Python processes (one long-lived thread). The
  /// seam for actor unit tests, which put a fake launcher here.
  std::shared_ptr<process::launcher> launcher;
  /// Connects a worker to its Python process once it is ready: the native
  /// transport or gRPC by the address's scheme in the product (see
  /// runtime.cpp); actor unit tests put a factory of fake channels here
  /// (tests/unit/actors), so that no Python runs.
  channel_factory connect;
  /// Id of this host's run; on every worker's command line so that a later
  /// run can reap orphans of this one.
  std::string run_id;
  /// Private (0700) directory for sockets and ready files.
  std::string run_path;
  /// Directory holding the snakepit_bridge package, put on PYTHONPATH.
  std::string python_path;
  /// The host tools the workers' tools may call; null: none.
  std::shared_ptr<const host_tool_registry> host_tools;
};

} // namespace snakepit
