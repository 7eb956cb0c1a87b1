#include "cluster/tls_front.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <spdlog/spdlog.h>

#include <array>
#include <map>
#include <mutex>
#include <thread>

#include "cluster/tls_pipe.hpp"

namespace snakepit {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using io_error = boost::system::error_code;

namespace {

/// A TLS context presenting `tls`'s certificate and requiring the peer's,
/// signed by `tls.ca`; TLS 1.2 or later.
ssl::context make_context(const cluster_tls_config& tls, bool server) {
  ssl::context ctx{server ? ssl::context::tls_server
                          : ssl::context::tls_client};
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                  | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                  | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  auto load = [](const char* key, const std::string& path, auto&& step) {
    try {
      step();
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error(std::string{"cluster.tls."} + key
                               + ": cannot use \"" + path
                               + "\": " + e.code().message());
    }
  };
  load("certificate", tls.certificate,
       [&] { ctx.use_certificate_chain_file(tls.certificate); });
  load("key", tls.key,
       [&] { ctx.use_private_key_file(tls.key, ssl::context::pem); });
  load("ca", tls.ca, [&] { ctx.load_verify_file(tls.ca); });
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

/// The key naming a node in the dialers' table.
std::string node_key(const endpoint& node) {
  return node.host + ":" + std::to_string(node.port);
}

/// Logs at most `burst` warnings of each kind a second, counting those it
/// holds back: a flood of bad peers must not flood the log.
class warn_limiter {
public:
  /// Kinds of warnings, each limited on its own: the pipe failures, and
  /// `over_capacity`.
  static constexpr size_t over_capacity = tls_pipe::failure_kinds;

  /// Logs `text` unless `kind` had its share this second.
  void warn(size_t kind, const std::string& text) {
    auto& w = windows_[kind];
    auto now = std::chrono::steady_clock::now();
    if (now - w.start >= std::chrono::seconds{1}) {
      w.start = now;
      w.logged = 0;
    }
    if (w.logged >= burst) {
      ++w.held;
      return;
    }
    ++w.logged;
    if (w.held > 0)
      spdlog::warn("cluster: {} ({} more like it held back)", text, w.held);
    else
      spdlog::warn("cluster: {}", text);
    w.held = 0;
  }

private:
  static constexpr int burst = 5;
  struct window {
    std::chrono::steady_clock::time_point start{};
    int logged = 0;
    uint64_t held = 0;
  };
  std::array<window, over_capacity + 1> windows_{};
};

} // namespace

struct tls_front::impl {
  // The contexts outlive the I/O context, whose pending handlers hold
  // pipes using them.
  ssl::context server_ctx;
  ssl::context client_ctx;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::shared_ptr<tls_pipe_shared> shared;
  int max_connections;
  /// Open connections accepted on `serve` ports (I/O thread only).
  int serving = 0;
  std::atomic<uint64_t> over_capacity{0};
  /// Listeners by port: serve's and dial's (I/O thread only, after
  /// their start).
  std::map<uint16_t, std::shared_ptr<tcp::acceptor>> acceptors;
  mutable std::mutex mtx;
  /// Dial ports by node, and the last problem per node (under `mtx`).
  std::map<std::string, uint16_t> dialers;
  std::map<std::string, std::string> problems;
  warn_limiter serve_warnings;
  std::thread thread;

  impl(const cluster_tls_config& tls)
    : server_ctx(make_context(tls, true)),
      client_ctx(make_context(tls, false)),
      work(asio::make_work_guard(io)),
      shared(std::make_shared<tls_pipe_shared>()),
      max_connections(tls.max_connections) {
    shared->handshake_timeout = tls.handshake_timeout;
    shared->max_payload = static_cast<uint64_t>(tls.max_message_mb) << 20;
  }

  /// Opens a listener at `at` on the calling thread.
  std::variant<std::shared_ptr<tcp::acceptor>, std::string>
  open(const tcp::endpoint& at) {
    io_error ec;
    auto acceptor = std::make_shared<tcp::acceptor>(io);
    acceptor->open(at.protocol(), ec);
    if (!ec)
      acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
      acceptor->bind(at, ec);
    if (!ec)
      acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return ec.message();
    return acceptor;
  }

  /// Accepts on `acceptor` for ever: each connection into a pipe made
  /// by `make`, on the socket `side` picks, then handed to `accepted`.
  template <class Make, class Side, class Accepted>
  void accept_loop(std::shared_ptr<tcp::acceptor> acceptor, Make make,
                   Side side, Accepted accepted) {
    auto pipe = make();
    auto& socket = side(*pipe);
    acceptor->async_accept(socket, [this, acceptor, make, side, accepted,
                                    pipe](io_error ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open())
        return;
      accept_loop(acceptor, make, side, accepted);
      if (!ec)
        accepted(pipe);
    });
  }

  /// Serving: TLS in, piped to the gateway at `to`.
  void accept_tls(std::shared_ptr<tcp::acceptor> acceptor,
                  tcp::endpoint to) {
    auto make = [this] {
      return std::make_shared<tls_pipe>(
        io, server_ctx, shared,
        [this](tls_pipe::failure kind, const std::string& why) {
          serve_warnings.warn(static_cast<size_t>(kind),
                              "refused a peer: " + why);
        });
    };
    auto side = [](tls_pipe& p) -> tcp::socket& { return p.tls_socket(); };
    accept_loop(acceptor, make, side,
                [this, to](const std::shared_ptr<tls_pipe>& pipe) {
                  if (serving >= max_connections) {
                    ++over_capacity;
                    serve_warnings.warn(warn_limiter::over_capacity,
                                        "refused a peer: max_connections ("
                                          + std::to_string(max_connections)
                                          + ") are open");
                    return pipe->close();
                  }
                  ++serving;
                  pipe->on_close([this] { --serving; });
                  pipe->run_server(to);
                });
  }

  /// Dialing: plain in from the middleman, over TLS to `node`.
  void accept_plain(std::shared_ptr<tcp::acceptor> acceptor, endpoint node) {
    auto key = node_key(node);
    auto make = [this, key] {
      return std::make_shared<tls_pipe>(
        io, client_ctx, shared,
        [this, key](tls_pipe::failure, const std::string& why) {
          std::lock_guard<std::mutex> guard{mtx};
          problems[key] = why;
        });
    };
    auto side = [](tls_pipe& p) -> tcp::socket& { return p.plain_socket(); };
    accept_loop(acceptor, make, side,
                [this, key, node](const std::shared_ptr<tls_pipe>& pipe) {
                  pipe->on_established([this, key] {
                    std::lock_guard<std::mutex> guard{mtx};
                    problems.erase(key);
                  });
                  pipe->run_client(node.host,
                                   static_cast<uint16_t>(node.port));
                });
  }
};

std::variant<std::shared_ptr<tls_front>, std::string>
tls_front::start(const cluster_tls_config& tls) {
  std::unique_ptr<impl> state;
  try {
    state = std::make_unique<impl>(tls);
  } catch (const std::exception& e) {
    return std::string{e.what()};
  }
  auto* io = &state->io;
  state->thread = std::thread{[io] { io->run(); }};
  return std::shared_ptr<tls_front>{new tls_front{std::move(state)}};
}

tls_front::tls_front(std::unique_ptr<impl> state) : impl_(std::move(state)) {
  // nop
}

tls_front::~tls_front() {
  impl_->work.reset();
  impl_->io.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

std::variant<uint16_t, std::string>
tls_front::serve(const endpoint& listen, uint16_t to_port) {
  io_error ec;
  auto address = asio::ip::make_address(
    listen.host == "localhost" ? "127.0.0.1" : listen.host, ec);
  if (ec)
    return "\"" + listen.host + "\" is not an IP address";
  auto opened = impl_->open({address, static_cast<uint16_t>(listen.port)});
  if (auto* problem = std::get_if<std::string>(&opened))
    return "cannot listen on " + listen.host + ":"
           + std::to_string(listen.port) + ": " + *problem;
  auto acceptor = std::get<std::shared_ptr<tcp::acceptor>>(opened);
  auto port = acceptor->local_endpoint().port();
  tcp::endpoint to{asio::ip::address_v4::loopback(), to_port};
  asio::post(impl_->io, [this, acceptor, port, to] {
    impl_->acceptors[port] = acceptor;
    impl_->accept_tls(acceptor, to);
  });
  return port;
}

void tls_front::stop_serving(uint16_t port) {
  asio::post(impl_->io, [this, port] {
    auto i = impl_->acceptors.find(port);
    if (i == impl_->acceptors.end())
      return;
    io_error ignored;
    i->second->close(ignored);
    impl_->acceptors.erase(i);
  });
}

std::variant<uint16_t, std::string> tls_front::dial(const endpoint& node) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  auto key = node_key(node);
  if (auto i = impl_->dialers.find(key); i != impl_->dialers.end())
    return i->second;
  auto opened = impl_->open({asio::ip::address_v4::loopback(), 0});
  if (auto* problem = std::get_if<std::string>(&opened))
    return "cannot open a loopback port to reach " + key + ": " + *problem;
  auto acceptor = std::get<std::shared_ptr<tcp::acceptor>>(opened);
  auto port = acceptor->local_endpoint().port();
  impl_->dialers.emplace(key, port);
  asio::post(impl_->io, [this, acceptor, port, node] {
    impl_->acceptors[port] = acceptor;
    impl_->accept_plain(acceptor, node);
  });
  return port;
}

std::string tls_front::last_problem(const endpoint& node) const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  auto i = impl_->problems.find(node_key(node));
  return i == impl_->problems.end() ? std::string{} : i->second;
}

tls_front_counters tls_front::counters() const {
  const auto& s = *impl_->shared;
  tls_front_counters out;
  out.piped = s.piped;
  out.refused = s.refused;
  out.timed_out = s.timed_out;
  out.oversized = s.oversized;
  out.over_capacity = impl_->over_capacity;
  return out;
}

} // namespace snakepit
