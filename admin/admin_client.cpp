#include "admin/admin_client.hpp"

#include "admin/admin_protocol.hpp"
#include "process/run_directory.hpp"

#include <boost/asio.hpp>

#include <utility>

namespace snakepit::admin {

namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using boost::system::error_code;
using json = nlohmann::json;

std::string connect_error(const std::string& path, const error_code& ec) {
  if (ec == asio::error::connection_refused)
    return "no snakepit host is listening on " + path
           + " (connection refused)";
  if (ec == boost::system::errc::no_such_file_or_directory)
    return "no snakepit host is listening on " + path
           + " (no such socket)";
  return "cannot connect to " + path + ": " + ec.message();
}

std::string read_error(const std::string& path, const error_code& ec) {
  if (ec == asio::error::eof || ec == asio::error::connection_reset)
    return "the snakepit host at " + path
           + " closed the connection without replying";
  if (ec == asio::error::not_found)
    return "the reply from " + path + " exceeds "
           + std::to_string(max_line_bytes) + " bytes";
  return "cannot read the reply from " + path + ": " + ec.message();
}

} // namespace

std::variant<json, std::string>
admin_call(const std::string& socket_path, const json& request,
           std::chrono::milliseconds timeout) {
  if (socket_path.size() > process::max_socket_path)
    return "cannot connect to " + socket_path + ": the path exceeds "
           + std::to_string(process::max_socket_path) + " bytes";
  auto line = to_line(request);
  if (line.size() > max_line_bytes + 1)
    return "cannot send the request to " + socket_path + ": it exceeds "
           + std::to_string(max_line_bytes) + " bytes";
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string buffer;
  asio::io_context io{1};
  local::socket socket{io};
  error_code ec;
  std::size_t received = 0;
  bool done = false;
  auto on_done = [&](error_code result, std::size_t n) {
    ec = result;
    received = n;
    done = true;
  };
  // Runs the operation `start` begins until it completes (true) or the
  // deadline passes (false); the socket's destructor cancels a late one.
  auto step = [&](auto start) {
    done = false;
    start();
    io.restart();
    while (!done && io.run_one_until(deadline) > 0) {
    }
    return done;
  };
  auto timed_out = [&](const char* doing) {
    return "timed out after " + std::to_string(timeout.count()) + " ms "
           + doing + " " + socket_path;
  };
  if (!step([&] {
        socket.async_connect(local::endpoint{socket_path},
                             [&](error_code result) { on_done(result, 0); });
      }))
    return timed_out("connecting to");
  if (ec)
    return connect_error(socket_path, ec);
  if (!step([&] { asio::async_write(socket, asio::buffer(line), on_done); }))
    return timed_out("sending the request to");
  if (ec)
    return "cannot send the request to " + socket_path + ": " + ec.message();
  if (!step([&] {
        asio::async_read_until(
          socket, asio::dynamic_buffer(buffer, max_line_bytes + 1), '\n',
          on_done);
      }))
    return timed_out("waiting for the reply from");
  if (ec)
    return read_error(socket_path, ec);
  auto reply = parse_reply(std::string_view{buffer}.substr(0, received - 1));
  if (auto* error = std::get_if<std::string>(&reply))
    return "malformed reply from " + socket_path + ": " + *error;
  return std::move(std::get<json>(reply));
}

} // namespace snakepit::admin
