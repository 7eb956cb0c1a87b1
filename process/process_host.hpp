#pragma once

/// The real `launcher`: one long-lived thread forks every child, drains its
/// output, watches for its exit and reaps it.

#include "process/launcher.hpp"

#include <chrono>
#include <memory>

namespace spdlog {
class logger;
} // namespace spdlog

namespace snakepit::process {

/// Owns the host's child processes. Each child leads its own process group,
/// has stdin on /dev/null, and dies by SIGKILL when the host dies (even by
/// SIGKILL). Its stdout and stderr are drained continuously and logged at
/// info as "[tag] line"; the last lines go into `exit_info::output_tail`.
/// When a child exits, whatever remains in its process group is SIGKILLed.
///
/// All forking happens on one thread that lives as long as the object,
/// because the parent-death signal fires when the forking thread exits.
/// `spawn`, `terminate` and `kill` may be called from any thread.
class process_host final : public launcher {
public:
  /// Starts the host thread. Output lines and lifecycle events go to `log`,
  /// or to spdlog's default logger when null.
  explicit process_host(std::shared_ptr<spdlog::logger> log = nullptr);

  /// Calls `shutdown` with a one-second grace unless already done.
  ~process_host() override;

  process_host(const process_host&) = delete;
  process_host& operator=(const process_host&) = delete;

  /// See `launcher::spawn`. After `shutdown` has begun, calls `on_started`
  /// with an error at once, on the caller's thread.
  void spawn(launch_spec spec, started_callback on_started,
             exit_callback on_exit) override;

  /// See `launcher::terminate`.
  void terminate(process_id id, std::chrono::milliseconds grace) override;

  /// See `launcher::kill`.
  void kill(process_id id) override;

  /// Sends SIGTERM to every child's group, SIGKILLs the groups still running
  /// after `grace`, reaps every child (calling its `on_exit`) and joins the
  /// host thread. Blocking: call it from main at host exit, never from an
  /// actor or a callback. Idempotent.
  void shutdown(std::chrono::milliseconds grace);

private:
  class impl;
  std::unique_ptr<impl> impl_;
};

} // namespace snakepit::process
