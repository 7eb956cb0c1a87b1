#pragma once

/// A worker's end of the native transport for tests: a Unix socket server
/// with plain POSIX calls, reading and writing frames one at a time. Every
/// wait is bounded (30 s) so that a broken channel fails a test instead of
/// hanging it. Not thread-safe; returns errors as values, so that it may
/// also run on a thread of its own (Catch2's macros are not thread-safe).

#include <chrono>
#include <optional>
#include <string>

#include "native.pb.h"

namespace snakepit::test {

class frame_server {
public:
  /// Listens on a fresh socket path under /tmp.
  frame_server();
  ~frame_server();

  frame_server(const frame_server&) = delete;
  frame_server& operator=(const frame_server&) = delete;

  /// Where it listens.
  const std::string& path() const {
    return path_;
  }

  /// Accepts one connection; false when none came in time.
  bool accept();

  /// The next frame's envelope; nullopt on end of stream, timeout or a
  /// frame that does not parse.
  std::optional<bridge::Envelope> receive();

  /// Writes `bytes` whole; false on error.
  bool send_bytes(const std::string& bytes);

  /// Writes the frame of `envelope`.
  bool send(const bridge::Envelope& envelope);

  /// Closes the accepted connection.
  void hang_up();

private:
  bool read_exact(char* out, std::size_t n);

  std::string path_;
  int listener_ = -1;
  int connection_ = -1;
};

/// The reply to `request` that an echo worker gives: a result whose JSON is
/// the tool's name for an execute, a pong for a ping, an empty info for a
/// describe.
bridge::Envelope echo_reply(const bridge::Envelope& request);

} // namespace snakepit::test
