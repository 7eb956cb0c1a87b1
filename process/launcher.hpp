#pragma once

/// The OS-process interface a worker actor uses to own its Python process.
/// `process_host` is the real implementation; actor unit tests substitute a
/// fake. No CAF here: callbacks are plain functions that the caller turns
/// into messages.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace snakepit::process {

/// A child's output line that starts with this is a warning of the child's
/// own (e.g. the Python worker's thread-safety findings): the host logs it
/// at warn level, without the prefix.
inline constexpr std::string_view warning_prefix = "snakepit-warning: ";

/// What to start.
struct launch_spec {
  /// Path of the program; a name without '/' is looked up in the child's
  /// PATH.
  std::string executable;
  /// Arguments after argv[0] (argv[0] is `executable`).
  std::vector<std::string> args;
  /// Variables added to, or overriding, the host's environment.
  std::map<std::string, std::string> env;
  /// Log tag of the child's output lines, e.g. "default/w3".
  std::string tag;
};

/// Host-unique handle of a started process; never reused, unlike a pid.
using process_id = uint64_t;

/// A process that runs: its handle and its OS pid (also its process group).
struct started {
  /// Handle for `terminate` and `kill`.
  process_id id = 0;
  /// OS pid; the process leads its own process group with this id.
  int pid = 0;
};

/// How a process ended.
struct exit_info {
  /// Exit status, or -1 when a signal ended the process.
  int exit_code = -1;
  /// Number of the signal that ended the process, 0 when it exited.
  int signal = 0;
  /// The last lines of stdout and stderr, interleaved as they arrived.
  std::string output_tail;
};

/// One-line rendering: "exited with code 3" or
/// "killed by signal 9 (SIGKILL)".
std::string describe(const exit_info& info);

/// Receives either the started process or an error message naming the
/// executable and the reason.
using started_callback =
  std::function<void(std::variant<started, std::string>)>;

/// Receives the handle and the end of a started process.
using exit_callback = std::function<void(process_id, exit_info)>;

/// Starts and stops OS processes without ever blocking the caller.
class launcher {
public:
  /// Polymorphic base.
  virtual ~launcher();

  /// Starts a process asynchronously; never blocks the caller beyond
  /// queueing. `on_started` runs exactly once. If the process started,
  /// `on_exit` runs exactly once when it has ended, otherwise never.
  /// Callbacks run on the launcher's own thread and must not block (callers
  /// use them to send a message).
  virtual void spawn(launch_spec spec, started_callback on_started,
                     exit_callback on_exit)
    = 0;

  /// Sends SIGTERM to the process group now and SIGKILL to the group if the
  /// process still runs after `grace`. Non-blocking; unknown or already
  /// ended ids are ignored.
  virtual void terminate(process_id id, std::chrono::milliseconds grace) = 0;

  /// Sends SIGKILL to the process group now. Non-blocking; unknown or
  /// already ended ids are ignored.
  virtual void kill(process_id id) = 0;
};

} // namespace snakepit::process
