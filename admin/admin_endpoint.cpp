#include "admin/admin_endpoint.hpp"

#include "process/run_directory.hpp"

#include <boost/asio.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

namespace snakepit::admin {

namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using boost::system::error_code;

/// One client connection: read a line, answer it, repeat until the client
/// hangs up or sends an oversized line.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(local::socket socket, const request_handler& handler)
    : socket_(std::move(socket)), handler_(handler) {
    // nop
  }

  void read() {
    asio::async_read_until(socket_,
                           asio::dynamic_buffer(buffer_, max_line_bytes + 1),
                           '\n',
                           [self = shared_from_this()](error_code ec,
                                                       std::size_t n) {
                             self->on_read(ec, n);
                           });
  }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

private:
  void on_read(error_code ec, std::size_t n) {
    // A read that completed just before `stop()` closed the socket.
    if (!socket_.is_open())
      return;
    if (ec == asio::error::not_found)
      return write(oversized_request_line(), false);
    if (ec)
      return close();
    auto reply = answer(std::string_view{buffer_}.substr(0, n - 1), handler_);
    // Keeps what the client sent after this line for the next read.
    buffer_.erase(0, n);
    write(std::move(reply), true);
  }

  void write(std::string line, bool then_read) {
    reply_ = std::move(line);
    asio::async_write(socket_, asio::buffer(reply_),
                      [self = shared_from_this(), then_read](error_code ec,
                                                             std::size_t) {
                        if (ec || !then_read)
                          return self->close();
                        self->read();
                      });
  }

  local::socket socket_;
  const request_handler& handler_;
  std::string buffer_;
  std::string reply_;
};

/// Empty when `path` is free for a new socket: nothing there, or a stale
/// socket (of a host that died) that was removed.
std::string clear_socket_path(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0)
    return errno == ENOENT ? std::string{}
                           : "admin endpoint: cannot inspect '" + path
                               + "': " + std::strerror(errno);
  if (!S_ISSOCK(st.st_mode))
    return "admin endpoint: refusing to replace '" + path
           + "': it is not a socket";
  if (::unlink(path.c_str()) != 0)
    return "admin endpoint: cannot remove stale socket '" + path
           + "': " + std::strerror(errno);
  return {};
}

} // namespace

struct admin_endpoint::impl {
  std::string path;
  request_handler handler;
  asio::io_context io{1};
  local::acceptor acceptor{io};
  asio::steady_timer retry{io};
  /// Open connections, to close at stop; touched on the io thread only.
  std::vector<std::weak_ptr<connection>> connections;
  std::thread thread;
  bool stopped = false;

  void accept() {
    acceptor.async_accept([this](error_code ec, local::socket socket) {
      // Closed by `shut_down`, perhaps after this accept completed.
      if (ec == asio::error::operation_aborted || !acceptor.is_open())
        return;
      if (ec) {
        // E.g. out of file descriptors: try again shortly, don't spin.
        spdlog::warn("admin endpoint {}: accept failed: {}", path,
                     ec.message());
        retry.expires_after(std::chrono::milliseconds{200});
        retry.async_wait([this](error_code wait_ec) {
          if (!wait_ec)
            accept();
        });
        return;
      }
      auto conn = std::make_shared<connection>(std::move(socket), handler);
      connections.erase(std::remove_if(connections.begin(),
                                       connections.end(),
                                       [](auto& weak) {
                                         return weak.expired();
                                       }),
                        connections.end());
      connections.push_back(conn);
      conn->read();
      accept();
    });
  }

  /// Runs on the io thread: with everything closed, `io.run()` returns.
  void shut_down() {
    error_code ignored;
    acceptor.close(ignored);
    retry.cancel();
    for (auto& weak : connections)
      if (auto conn = weak.lock())
        conn->close();
  }
};

std::variant<std::unique_ptr<admin_endpoint>, std::string>
admin_endpoint::start(std::string socket_path, handler h) {
  if (socket_path.size() > process::max_socket_path)
    return "admin endpoint: socket path '" + socket_path + "' is "
           + std::to_string(socket_path.size()) + " bytes, over the limit of "
           + std::to_string(process::max_socket_path);
  if (auto error = clear_socket_path(socket_path); !error.empty())
    return error;
  auto p = std::make_unique<impl>();
  p->path = std::move(socket_path);
  p->handler = std::move(h);
  local::endpoint where{p->path};
  error_code ec;
  auto fail = [&](const char* what) {
    return "admin endpoint: cannot " + std::string{what} + " '" + p->path
           + "': " + ec.message();
  };
  if (p->acceptor.open(where.protocol(), ec); ec)
    return fail("open a socket for");
  if (p->acceptor.bind(where, ec); ec)
    return fail("bind");
  // The run directory (0700) keeps others out until this narrows the mode.
  if (::chmod(p->path.c_str(), 0600) != 0) {
    ec.assign(errno, boost::system::system_category());
    ::unlink(p->path.c_str());
    return fail("set the mode of");
  }
  if (p->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    ::unlink(p->path.c_str());
    return fail("listen on");
  }
  p->accept();
  auto raw = p.get();
  p->thread = std::thread{[raw] {
    try {
      raw->io.run();
    } catch (const std::exception& ex) {
      spdlog::error("admin endpoint {} stopped: {}", raw->path, ex.what());
    }
  }};
  pthread_setname_np(p->thread.native_handle(), "sp-admin");
  return std::unique_ptr<admin_endpoint>{new admin_endpoint(std::move(p))};
}

admin_endpoint::admin_endpoint(std::unique_ptr<impl> ptr)
  : impl_(std::move(ptr)) {
  // nop
}

admin_endpoint::~admin_endpoint() {
  stop();
}

void admin_endpoint::stop() {
  if (impl_->stopped)
    return;
  impl_->stopped = true;
  asio::post(impl_->io, [raw = impl_.get()] { raw->shut_down(); });
  impl_->thread.join();
  if (::unlink(impl_->path.c_str()) != 0 && errno != ENOENT)
    spdlog::warn("admin endpoint: cannot remove '{}': {}", impl_->path,
                 std::strerror(errno));
}

const std::string& admin_endpoint::socket_path() const {
  return impl_->path;
}

} // namespace snakepit::admin
