#pragma once

/// The baselines: Python processes that the bench starts on their own
/// sockets, outside any pool (a worker on either transport, or the floor's
/// one-thread framed loop), and C++ gRPC clients that call a gRPC worker
/// directly. What a hand-written host without actors, queues or supervision
/// would pay.

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

/// What a `bare_worker` runs.
enum class bare_kind {
  /// `python -m snakepit_bridge --transport grpc`.
  grpc_worker,
  /// `python -m snakepit_bridge --transport native`.
  native_worker,
  /// The floor: python/tools/native_bench.py --serve-bare, one thread that
  /// decodes each frame and answers a ping envelope with a pong (not part
  /// of the shipped package).
  floor,
};

/// One Python process on its own socket: a `python -m snakepit_bridge`
/// worker with the showcase adapter and one serving thread, exactly as a
/// 1-worker process-profile pool starts it, or the floor's loop. Dies with
/// the bench (process_host's parent-death signal).
class bare_worker {
public:
  /// Starts the process and waits until it serves (a worker's ready file,
  /// the floor's socket file); an error text if it failed or took longer
  /// than `timeout`.
  static std::variant<std::unique_ptr<bare_worker>, std::string>
  start(bare_kind kind, const std::string& python,
        const std::string& python_dir, std::chrono::milliseconds timeout);

  /// Stops the worker (SIGTERM, then SIGKILL after a grace) and removes its
  /// directory.
  ~bare_worker();

  bare_worker(const bare_worker&) = delete;
  bare_worker& operator=(const bare_worker&) = delete;

  /// A gRPC worker's address, "unix:/.../bare.sock"; the socket path of
  /// the others.
  const std::string& address() const {
    return address_;
  }

  /// The process's OS pid.
  int pid() const {
    return pid_;
  }

private:
  bare_worker() = default;

  std::unique_ptr<process::run_directory> dir_;
  std::unique_ptr<process::process_host> host_;
  uint64_t process_ = 0;
  int pid_ = 0;
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
