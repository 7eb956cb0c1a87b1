#include "cluster/tls_pipe.hpp"

#include <cstddef>
#include <utility>

namespace snakepit {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using io_error = boost::system::error_code;

tls_pipe::tls_pipe(asio::io_context& io, ssl::context& ctx,
                   std::shared_ptr<tls_pipe_shared> shared,
                   failure_handler failed)
  : tls_(io, ctx),
    plain_(io),
    resolver_(io),
    timer_(io),
    shared_(std::move(shared)),
    failed_(std::move(failed)),
    guard_(shared_->max_payload) {
  // nop
}

void tls_pipe::arm_timer() {
  timer_.expires_after(shared_->handshake_timeout);
  timer_.async_wait([self = shared_from_this()](io_error ec) {
    if (ec || self->established_ || self->closed_)
      return;
    self->fail(failure::timed_out,
               "did not finish connecting within handshake_timeout");
  });
}

void tls_pipe::run_server(tcp::endpoint to) {
  arm_timer();
  handshake(ssl::stream_base::server, [self = shared_from_this(), to] {
    self->plain_.async_connect(to, [self](io_error ec) {
      if (self->closed_)
        return;
      if (ec)
        return self->fail(failure::unreachable,
                          "cannot reach this host's gateway: "
                            + ec.message());
      self->established();
    });
  });
}

void tls_pipe::run_client(const std::string& host, uint16_t port) {
  arm_timer();
  tls_.set_verify_callback(ssl::host_name_verification(host));
  io_error not_ip;
  asio::ip::make_address(host, not_ip);
  if (not_ip) // Server name indication for host names, never addresses.
    SSL_set_tlsext_host_name(tls_.native_handle(), host.c_str());
  resolver_.async_resolve(
    host, std::to_string(port),
    [self = shared_from_this(), host](io_error ec,
                                      tcp::resolver::results_type found) {
      if (self->closed_)
        return;
      if (ec)
        return self->fail(failure::unreachable,
                          "cannot resolve " + host + ": " + ec.message());
      asio::async_connect(self->tls_.next_layer(), found,
                          [self](io_error ec, const tcp::endpoint&) {
                            if (self->closed_)
                              return;
                            if (ec)
                              return self->fail(failure::unreachable,
                                                "cannot connect: "
                                                  + ec.message());
                            self->handshake(ssl::stream_base::client,
                                            [self] { self->established(); });
                          });
    });
}

void tls_pipe::handshake(ssl::stream_base::handshake_type side,
                         std::function<void()> then) {
  tls_.async_handshake(side, [self = shared_from_this(),
                              then = std::move(then)](io_error ec) {
    if (self->closed_)
      return;
    if (ec)
      return self->fail(failure::refused,
                        "TLS handshake failed: " + ec.message());
    then();
  });
}

void tls_pipe::fail(failure kind, const std::string& why) {
  if (kind == failure::refused)
    ++shared_->refused;
  else if (kind == failure::timed_out)
    ++shared_->timed_out;
  else if (kind == failure::oversized)
    ++shared_->oversized;
  if (failed_)
    std::exchange(failed_, nullptr)(kind, why);
  close();
}

void tls_pipe::established() {
  established_ = true;
  timer_.cancel();
  ++shared_->piped;
  if (on_established_)
    std::exchange(on_established_, nullptr)();
  read_tls();
  read_plain();
}

void tls_pipe::read_tls() {
  tls_.async_read_some(
    asio::buffer(from_tls_),
    [self = shared_from_this()](io_error ec, size_t n) {
      if (ec || self->closed_)
        return self->close();
      const auto* bytes = reinterpret_cast<const std::byte*>(
        self->from_tls_.data());
      if (!self->guard_.pass(bytes, n))
        return self->fail(failure::oversized,
                          "announced a message of "
                            + std::to_string(self->guard_.refused_length())
                            + " bytes, above max_message_mb");
      asio::async_write(self->plain_, asio::buffer(self->from_tls_.data(), n),
                        [self](io_error ec, size_t) {
                          if (ec || self->closed_)
                            return self->close();
                          self->read_tls();
                        });
    });
}

void tls_pipe::read_plain() {
  plain_.async_read_some(
    asio::buffer(from_plain_),
    [self = shared_from_this()](io_error ec, size_t n) {
      if (ec || self->closed_)
        return self->close();
      asio::async_write(self->tls_,
                        asio::buffer(self->from_plain_.data(), n),
                        [self](io_error ec, size_t) {
                          if (ec || self->closed_)
                            return self->close();
                          self->read_plain();
                        });
    });
}

void tls_pipe::close() {
  if (closed_)
    return;
  closed_ = true;
  io_error ignored;
  timer_.cancel();
  resolver_.cancel();
  tls_.lowest_layer().close(ignored);
  plain_.close(ignored);
  if (on_close_)
    std::exchange(on_close_, nullptr)();
}

} // namespace snakepit
