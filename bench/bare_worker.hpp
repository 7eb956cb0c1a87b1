#pragma once

/// The baseline: a Python worker that the bench starts on its own socket,
/// outside any pool, and C++ gRPC clients that call it directly. What a
/// hand-written host without actors, queues or supervision would pay.

#include <chrono>
#include <memory>
#include <string>
#include <variant>

#include "bench/stats.hpp"

namespace snakepit::process {
class process_host;
class run_directory;
} // namespace snakepit::process

namespace snakepit::bench {

/// One `python -m snakepit_bridge` process with the showcase adapter and
/// one serving thread, exactly as a 1-worker process-profile pool starts
/// it. Dies with the bench (process_host's parent-death signal).
class bare_worker {
public:
  /// Starts the worker and waits for its ready file; an error text if it
  /// failed or took longer than `timeout`.
  static std::variant<std::unique_ptr<bare_worker>, std::string>
  start(const std::string& python, const std::string& python_dir,
        std::chrono::milliseconds timeout);

  /// Stops the worker (SIGTERM, then SIGKILL after a grace) and removes its
  /// directory.
  ~bare_worker();

  bare_worker(const bare_worker&) = delete;
  bare_worker& operator=(const bare_worker&) = delete;

  /// gRPC address, "unix:/.../bare.sock".
  const std::string& address() const {
    return address_;
  }

private:
  bare_worker() = default;

  std::unique_ptr<process::run_directory> dir_;
  std::unique_ptr<process::process_host> host_;
  uint64_t process_ = 0;
  std::string address_;
};

/// Direct gRPC calls of the tool `ping` with no parameters.
class bare_client {
public:
  /// Connects (lazily) to `address`.
  explicit bare_client(const std::string& address);
  ~bare_client();

  bare_client(const bare_client&) = delete;
  bare_client& operator=(const bare_client&) = delete;

  /// `calls` sequential calls through the blocking (sync) stub.
  samples run_sync(int calls);

  /// `calls` sequential calls through the callback API; the caller's
  /// thread waits on a condition variable for each completion, so each
  /// call pays one cross-thread wake-up like an actor would.
  samples run_async(int calls);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace snakepit::bench
