#include "bench/http_get.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace snakepit::bench {

namespace {

/// Closes a socket when it goes out of scope.
struct socket_guard {
  int fd = -1;
  ~socket_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

std::string errno_text(const char* what) {
  return std::string{what} + ": " + std::strerror(errno);
}

} // namespace

http_response http_get(const std::string& address, uint16_t port,
                       const std::string& path,
                       std::chrono::milliseconds timeout) {
  http_response out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    out.error = "not an IPv4 address: " + address;
    return out;
  }
  socket_guard sock{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) {
    out.error = errno_text("socket");
    return out;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(sock.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
      != 0) {
    out.error = errno_text("connect");
    return out;
  }
  auto request = "GET " + path + " HTTP/1.1\r\nHost: " + address + ":"
                 + std::to_string(port)
                 + "\r\nConnection: close\r\nAccept: text/plain\r\n\r\n";
  for (size_t sent = 0; sent < request.size();) {
    auto n = ::send(sock.fd, request.data() + sent, request.size() - sent,
                    MSG_NOSIGNAL);
    if (n <= 0) {
      out.error = errno_text("send");
      return out;
    }
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[16384];
  for (;;) {
    auto n = ::recv(sock.fd, buf, sizeof(buf), 0);
    if (n == 0)
      break;
    if (n < 0) {
      out.error = errno_text("recv");
      return out;
    }
    raw.append(buf, static_cast<size_t>(n));
  }
  // "HTTP/1.1 200 OK\r\n...headers...\r\n\r\nbody"
  auto space = raw.find(' ');
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/", 0) != 0 || space == std::string::npos
      || head_end == std::string::npos) {
    out.error = "malformed response (" + std::to_string(raw.size())
                + " bytes)";
    return out;
  }
  out.status = std::atoi(raw.c_str() + space + 1);
  out.body = raw.substr(head_end + 4);
  return out;
}

} // namespace snakepit::bench
