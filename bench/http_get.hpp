#pragma once

/// A minimal blocking HTTP/1.1 GET over a TCP socket, enough to scrape a
/// Prometheus endpoint on the loopback interface from a benchmark (no
/// Beast here: it would cost a heavy include for one request per round).

#include <chrono>
#include <cstdint>
#include <string>

namespace snakepit::bench {

/// The answer to one GET, or why there is none.
struct http_response {
  /// Status code of the status line; 0 when no response was read.
  int status = 0;
  /// The body (everything after the blank line; `Connection: close`).
  std::string body;
  /// Empty on success; otherwise what failed (connect, send, receive,
  /// malformed status line).
  std::string error;
};

/// GETs `path` from the IPv4 address `address`:`port`, waiting at most
/// `timeout` for each socket operation.
http_response http_get(const std::string& address, uint16_t port,
                        const std::string& path,
                        std::chrono::milliseconds timeout
                        = std::chrono::seconds{5});

} // namespace snakepit::bench
