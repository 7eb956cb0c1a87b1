#include "bench/framed_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "bridge/frame_codec.hpp"
#include "native.pb.h"

namespace snakepit::bench {

namespace {

namespace pb = ::snakepit::bridge;
using clock_type = std::chrono::steady_clock;

/// How long the first connect may retry: the floor's loop binds before it
/// listens.
constexpr auto connect_patience = std::chrono::seconds{10};
constexpr auto connect_retry = std::chrono::milliseconds{10};

/// Replies of the bench are small; a larger one breaks the connection.
constexpr std::size_t max_reply_bytes = 1024 * 1024;

int connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return -1;
  std::memcpy(addr.sun_path, path.data(), path.size());
  auto deadline = clock_type::now() + connect_patience;
  while (true) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return -1;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0)
      return fd;
    ::close(fd);
    if (clock_type::now() > deadline)
      return -1;
    std::this_thread::sleep_for(connect_retry);
  }
}

/// Sends `frame` whole: a frame of the bench is a few dozen bytes, which a
/// blocking Unix socket takes in one `send`; a short write counts as a
/// broken connection.
bool send_frame(int fd, const std::string& frame) {
  ssize_t n = 0;
  do
    n = ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(frame.size());
}

} // namespace

struct framed_client::impl {
  int fd = -1;
  pb::frame_decoder decoder{max_reply_bytes};

  /// The next reply, read from the socket as needed; false on a broken
  /// connection or stream.
  bool read_reply(pb::Envelope& out) {
    while (true) {
      switch (decoder.next(out)) {
        case pb::frame_status::envelope:
          return true;
        case pb::frame_status::broken:
          return false;
        case pb::frame_status::need_more:
          break;
      }
      auto room = decoder.room();
      auto n = ::recv(fd, room.data, room.size, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      decoder.commit(static_cast<std::size_t>(n));
    }
  }
};

framed_client::framed_client(const std::string& path) : impl_(new impl) {
  impl_->fd = connect_unix(path);
}

framed_client::~framed_client() {
  if (impl_->fd >= 0)
    ::close(impl_->fd);
}

bool framed_client::connected() const {
  return impl_->fd >= 0;
}

samples framed_client::run(call_kind kind, int calls) {
  samples out;
  out.latencies_ns.reserve(calls);
  pb::Envelope request;
  pb::Envelope reply;
  auto round_start = clock_type::now();
  for (int i = 0; i < calls; ++i) {
    if (impl_->fd < 0) {
      out.failures += calls - i;
      break;
    }
    auto start = clock_type::now();
    // A fresh envelope per call, as the pool's channel encodes one.
    request.Clear();
    request.set_call_id(static_cast<uint64_t>(i) + 1);
    if (kind == call_kind::execute_ping)
      request.mutable_execute()->set_tool_name("ping");
    else
      request.mutable_ping()->set_message("x");
    reply.Clear();
    bool ok = send_frame(impl_->fd, pb::encode_frame(request))
              && impl_->read_reply(reply);
    out.latencies_ns.push_back(ns_since(start));
    if (!ok) {
      ::close(impl_->fd);
      impl_->fd = -1;
      ++out.failures;
      continue;
    }
    bool answered = kind == call_kind::execute_ping
                      ? reply.has_result() && reply.result().success()
                      : reply.has_pong();
    if (!answered || reply.call_id() != request.call_id())
      ++out.failures;
  }
  out.wall = clock_type::now() - round_start;
  return out;
}

} // namespace snakepit::bench
