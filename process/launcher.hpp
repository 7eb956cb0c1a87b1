#pragma once

/// The OS-process interface a worker actor uses to own its Python process.
/// `process_host` is the real implementation; actor unit tests substitute a
/// fake. No CAF here: callbacks are plain functions that the caller turns
/// into messages.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace snakepit::process {

/// A child's output line that starts with this is a warning of the child's
/// own (e.g. the Python worker's thread-safety findings): the host logs it
/// at warn level, without the prefix.
inline constexpr std::string_view warning_prefix = "snakepit-warning: ";

struct fork_server_spec;

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
  /// When set, the process is forked by this fork server instead (a
  /// launcher without fork servers, or whose fork server is not running,
  /// starts `executable` with `args` as usual).
  std::shared_ptr<const fork_server_spec> fork_server{};
  /// With `fork_server`: the forked worker's command line, what follows
  /// `python -m snakepit_bridge`.
  std::vector<std::string> forked_args{};
};

/// A fork server (`python -m snakepit_bridge.fork_server`): a template
/// process that forks workers on request. One runs per `key`, started when
/// a process first asks for it and again after it died (with a back-off;
/// meanwhile processes start the plain way, as they do for good once its
/// preload failed). A process whose spec has the key but a different
/// `start` starts the plain way.
struct fork_server_spec {
  /// One fork server per key (a pool's name).
  std::string key;
  /// How to start it; its arguments must pass `--control-fd 3`, the
  /// socket the launcher gives it.
  launch_spec start;
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
  /// False when the process ended but nobody could tell how: a forked
  /// worker whose fork server was gone by then (`exit_code` is -1).
  bool status_known = true;
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
