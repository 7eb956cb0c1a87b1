#pragma once

/// The host's view of one Python worker's gRPC service. An interface so that
/// actor tests can substitute a fake; `make_grpc_channel` is the real one.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace snakepit::bridge {

/// Outcome of one tool call.
struct tool_result {
  /// JSON text of the result; empty on failure.
  std::string result_json;
  /// `code == error_code::none` on success.
  failure error;
  /// Time the tool ran inside Python, microseconds (0 if unknown).
  int64_t python_us = 0;
};

/// Completion of a tool call. Runs on a gRPC thread: it must not block and
/// must not touch actor state (send a message instead).
using tool_callback = std::function<void(tool_result)>;

/// Completion of a ping: empty string on success, else the error.
using ping_callback = std::function<void(std::string)>;

/// A connection to one worker. Calls never block the caller.
class channel {
public:
  virtual ~channel() = default;

  /// Runs `tool` with `args_json` (a JSON object, or empty for `{}`).
  /// `done` runs exactly once, on another thread.
  virtual void execute(const std::string& tool, const std::string& args_json,
                       const std::string& session_id,
                       std::chrono::milliseconds timeout,
                       tool_callback done) = 0;

  /// Liveness probe with a deadline; `done` runs exactly once.
  virtual void ping(std::chrono::milliseconds timeout, ping_callback done) = 0;
};

/// Connects to a worker at `address` ("unix:/abs/path.sock"). Connection is
/// lazy: nothing blocks here.
std::shared_ptr<channel> make_grpc_channel(const std::string& address);

} // namespace snakepit::bridge
