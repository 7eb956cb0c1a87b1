#pragma once

/// Finding the running hosts of this user that the CLI can talk to: live
/// run directories under a run base that hold an admin socket.

#include <string>
#include <vector>

namespace snakepit::admin {

/// The admin socket's file name inside a run directory.
inline constexpr const char* admin_socket_name = "admin.sock";

/// `<run_path>/admin.sock`.
std::string admin_socket_path(const std::string& run_path);

/// A running host with an admin endpoint.
struct live_run {
  /// The run id, the run directory's name.
  std::string run_id;
  /// The run directory.
  std::string path;
  /// The admin socket inside it.
  std::string admin_socket;
};

/// The runs under `base` (see `process::default_run_base`), sorted by id,
/// whose host is alive (holds its `host.lock`) and which hold an admin
/// socket. Dead runs and runs without the socket are left out, and left
/// alone: reaping is the job of the next host that starts.
std::vector<live_run> find_live_runs(const std::string& base);

} // namespace snakepit::admin
