#include "frame_server.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bridge/frame_codec.hpp"

namespace snakepit::test {

namespace {

constexpr int wait_ms = 30000;

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, wait_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

} // namespace

frame_server::frame_server() {
  static std::atomic<int> counter{0};
  path_ = "/tmp/snakepit-native-test-" + std::to_string(::getpid()) + "-"
          + std::to_string(counter++) + ".sock";
  ::unlink(path_.c_str());
  listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address),
             sizeof(address))
        != 0
      || ::listen(listener_, 8) != 0) {
    ::close(listener_);
    listener_ = -1;
  }
}

frame_server::~frame_server() {
  hang_up();
  if (listener_ >= 0)
    ::close(listener_);
  ::unlink(path_.c_str());
}

bool frame_server::accept() {
  if (listener_ < 0 || !wait_readable(listener_))
    return false;
  connection_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
  return connection_ >= 0;
}

bool frame_server::read_exact(char* out, std::size_t n) {
  while (n > 0) {
    if (!wait_readable(connection_))
      return false;
    auto got = ::read(connection_, out, n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return false;
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

std::optional<bridge::Envelope> frame_server::receive() {
  unsigned char head[bridge::frame_header_bytes];
  if (!read_exact(reinterpret_cast<char*>(head), sizeof(head)))
    return std::nullopt;
  std::size_t length = (std::size_t{head[0]} << 24) | (head[1] << 16)
                       | (head[2] << 8) | head[3];
  std::string body(length, '\0');
  if (!read_exact(body.data(), length))
    return std::nullopt;
  bridge::Envelope envelope;
  if (!envelope.ParseFromString(body))
    return std::nullopt;
  return envelope;
}

bool frame_server::send_bytes(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::send(connection_, bytes.data() + done, bytes.size() - done,
                    MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool frame_server::send(const bridge::Envelope& envelope) {
  return send_bytes(bridge::encode_frame(envelope));
}

void frame_server::hang_up() {
  if (connection_ >= 0)
    ::close(connection_);
  connection_ = -1;
}

bridge::Envelope echo_reply(const bridge::Envelope& request) {
  bridge::Envelope reply;
  reply.set_call_id(request.call_id());
  if (request.has_execute()) {
    reply.mutable_result()->set_success(true);
    reply.mutable_result()->mutable_result()->set_value(
      '"' + request.execute().tool_name() + '"');
  } else if (request.has_ping()) {
    reply.mutable_pong()->set_message("pong");
  } else if (request.has_describe()) {
    reply.mutable_info()->set_busy_slots(0);
  }
  return reply;
}

} // namespace snakepit::test
