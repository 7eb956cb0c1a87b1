#pragma once

/// The worker's ready handshake: once its gRPC server listens, the Python
/// worker writes one JSON object to the ready file the host named (by an
/// atomic rename, so the host never reads half a file). `status` is "ready"
/// (with the address and interpreter facts) or "error" (with the stage, the
/// exception type, message and traceback, e.g. an adapter import error).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <snakepit/failure.hpp>

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

/// Largest ready file the host reads (1 MiB): a real one is under 10 KiB
/// even with a long traceback; a bigger one gives a failed handshake.
inline constexpr std::size_t max_ready_file_bytes = 1024 * 1024;

/// Understands the text of a ready file; `source` names it in errors. Text
/// that is not a report with fields of the right types gives a failed
/// handshake (code `pool_failed`), never an exception.
handshake parse_ready_file(std::string_view text, const std::string& source);

/// Reads the ready file at `path`: nullopt while it does not exist yet.
/// A file that exists but cannot be understood gives a failed handshake.
std::optional<handshake> read_ready_file(const std::string& path);

} // namespace snakepit
