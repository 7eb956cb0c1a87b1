#pragma once

/// The bench's C++ client of the native transport without the pool: a
/// blocking Unix-socket connection that sends one frame (4-byte length +
/// Envelope, bridge/frame_codec) and reads its reply before the next. The
/// bare native path and the floor both go through it, so they differ only
/// in what answers.

#include <memory>
#include <string>

#include "bench/stats.hpp"

namespace snakepit::bench {

/// One connection to a native worker or to the floor's loop.
class framed_client {
public:
  /// What each call sends and what counts as its success.
  enum class call_kind {
    /// An `execute` of the tool `ping`; a `result` with success answers it.
    execute_ping,
    /// A `ping` envelope; a `pong` answers it.
    ping,
  };

  /// Connects to the socket at `path`, retrying for a few seconds while
  /// nothing listens yet; false from `connected()` if it never did.
  explicit framed_client(const std::string& path);
  ~framed_client();

  framed_client(const framed_client&) = delete;
  framed_client& operator=(const framed_client&) = delete;

  /// True once the connection is open.
  bool connected() const;

  /// `calls` sequential round trips of `kind`; a broken connection fails
  /// the remaining calls.
  samples run(call_kind kind, int calls);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace snakepit::bench
