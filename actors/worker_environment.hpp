#pragma once

/// What every worker of a host shares: the process launcher and the private
/// run directory its sockets and ready files live in.

#include <memory>
#include <string>

#include "process/launcher.hpp"

namespace snakepit {

/// Shared, read-only context of the workers of one host.
struct worker_environment {
  /// Starts and stops the Python processes (one long-lived thread).
  std::shared_ptr<process::launcher> launcher;
  /// Id of this host's run; on every worker's command line so that a later
  /// run can reap orphans of this one.
  std::string run_id;
  /// Private (0700) directory for sockets and ready files.
  std::string run_path;
  /// Directory holding the snakepit_bridge package, put on PYTHONPATH.
  std::string python_path;
};

} // namespace snakepit
