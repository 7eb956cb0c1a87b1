#pragma once

// A minimal HTTP/1.1 client on a plain socket, independent of Beast, for
// the tests that scrape a /metrics endpoint (unit and integration).

#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include <cstdint>
#include <string>

namespace http_client {

struct reply {
  int status = 0;
  std::string headers;
  std::string body;
};

// Sends `method target` to 127.0.0.1:`port` with "Connection: close" and
// reads the whole answer.
inline reply request(uint16_t port, const std::string& method,
                     const std::string& target) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  auto text = method + " " + target
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  asio::write(socket, asio::buffer(text));
  std::string raw;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(raw), ec);
  REQUIRE((!ec || ec == asio::error::eof));
  reply out;
  auto head_end = raw.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  out.headers = raw.substr(0, head_end);
  out.body = raw.substr(head_end + 4);
  REQUIRE(raw.rfind("HTTP/1.1 ", 0) == 0);
  out.status = std::stoi(raw.substr(9, 3));
  return out;
}

} // namespace http_client
