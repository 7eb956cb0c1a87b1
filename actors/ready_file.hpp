#pragma once

/// The worker's ready handshake: once its gRPC server listens, the Python
/// worker writes one JSON object to the ready file the host named (by an
/// atomic rename, so the host never reads half a file). `status` is "ready"
/// (with the address and interpreter facts) or "error" (with the stage, the
/// exception type, message and traceback, e.g. an adapter import error).

#include <optional>
#include <string>

#include "core/error.hpp"
#include "messages/worker_messages.hpp"

namespace snakepit {

/// What a worker reported in its ready file.
struct handshake {
  /// gRPC address to connect to, "unix:/..."; set when ready.
  std::string address;
  /// Interpreter facts; set when ready.
  worker_info info;
  /// Set when the worker failed to start (code `pool_failed`).
  failure error;

  /// True when the worker is ready to serve.
  bool ok() const {
    return error.code == error_code::none;
  }
};

/// Reads the ready file at `path`: nullopt while it does not exist yet.
/// A file that exists but cannot be understood gives a failed handshake.
std::optional<handshake> read_ready_file(const std::string& path);

} // namespace snakepit
