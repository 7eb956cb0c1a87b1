#pragma once

/// One connection through the TLS front (cluster/tls_front.hpp): a TLS
/// stream to another host and a plain loopback socket to this host's CAF,
/// with the handshake bounded in time and the messages arriving over TLS
/// bounded in size. Lives on the front's I/O thread.

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/frame_guard.hpp"

namespace snakepit {

/// What every pipe of a front shares: its limits and its counts.
struct tls_pipe_shared {
  /// How long a peer may take to connect (TCP and TLS).
  std::chrono::milliseconds handshake_timeout{5000};
  /// Largest message payload a peer may announce, in bytes.
  uint64_t max_payload = 0;
  /// Counts for `tls_front_counters`.
  std::atomic<uint64_t> piped{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> timed_out{0};
  std::atomic<uint64_t> oversized{0};
};

/// A TLS connection and its plain twin, copying bytes both ways until
/// either side closes, then closing both.
class tls_pipe : public std::enable_shared_from_this<tls_pipe> {
public:
  using tcp = boost::asio::ip::tcp;
  using tls_stream = boost::asio::ssl::stream<tcp::socket>;

  /// How a pipe failed.
  enum class failure {
    /// The TLS handshake failed: no certificate, another CA, another
    /// host's name, not TLS at all.
    refused,
    /// The peer did not finish connecting within the handshake timeout.
    timed_out,
    /// The other end could not be reached (resolve, connect).
    unreachable,
    /// The peer announced a message above the limit.
    oversized,
  };

  /// Number of `failure` kinds.
  static constexpr size_t failure_kinds = 4;

  /// Called once with the kind and the reason in words when the pipe
  /// fails.
  using failure_handler = std::function<void(failure, const std::string&)>;

  /// A pipe on `io` whose TLS side uses `ctx`.
  tls_pipe(boost::asio::io_context& io, boost::asio::ssl::context& ctx,
           std::shared_ptr<tls_pipe_shared> shared, failure_handler failed);

  /// The TLS side's socket, for the server's accept.
  tcp::socket& tls_socket() {
    return tls_.next_layer();
  }

  /// The plain side's socket, for the dialer's accept.
  tcp::socket& plain_socket() {
    return plain_;
  }

  /// Serving: the TLS side was accepted; handshake as the server, then
  /// connect the plain side to `to`.
  void run_server(tcp::endpoint to);

  /// Dialing: the plain side was accepted; connect to `host`:`port`,
  /// handshake as the client checking that the certificate names `host`.
  void run_client(const std::string& host, uint16_t port);

  /// Runs `f` once the handshake succeeded.
  void on_established(std::function<void()> f) {
    on_established_ = std::move(f);
  }

  /// Runs `f` once the pipe is closed (for the front's connection count).
  void on_close(std::function<void()> f) {
    on_close_ = std::move(f);
  }

  /// Closes both sides; idempotent.
  void close();

private:
  void arm_timer();
  /// The TLS handshake as `side`, then `then`.
  void handshake(boost::asio::ssl::stream_base::handshake_type side,
                 std::function<void()> then);
  void fail(failure kind, const std::string& why);
  void established();
  void read_tls();
  void read_plain();

  tls_stream tls_;
  tcp::socket plain_;
  tcp::resolver resolver_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<tls_pipe_shared> shared_;
  failure_handler failed_;
  std::function<void()> on_established_;
  std::function<void()> on_close_;
  frame_guard guard_;
  bool established_ = false;
  bool closed_ = false;
  std::array<char, 64 * 1024> from_tls_;
  std::array<char, 64 * 1024> from_plain_;
};

} // namespace snakepit
