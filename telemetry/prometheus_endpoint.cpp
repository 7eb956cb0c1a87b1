#include "telemetry/prometheus_endpoint.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/optional.hpp>

#include <caf/actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <pthread.h>

#include <chrono>
#include <thread>

namespace snakepit::telemetry {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto io_timeout = std::chrono::seconds{30};

http::response<http::string_body>
respond(const http::request<http::string_body>& req,
        const synchronized_metrics& metrics) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "snakepit");
  res.keep_alive(req.keep_alive());
  auto target = req.target();
  auto path = target.substr(0, target.find('?'));
  if (path != "/metrics") {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "not found; metrics are at /metrics\n";
  } else if (req.method() != http::verb::get
             && req.method() != http::verb::head) {
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET, HEAD");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "method not allowed\n";
  } else {
    res.set(http::field::content_type, exposition_content_type);
    res.body() = metrics.render();
  }
  res.prepare_payload();
  if (req.method() == http::verb::head)
    res.body().clear(); // Content-Length stays: the size of a GET's body.
  return res;
}

/// One client connection: read a request, answer it, repeat while the
/// client keeps the connection alive.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, std::shared_ptr<synchronized_metrics> metrics)
    : stream_(std::move(socket)), metrics_(std::move(metrics)) {
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(8 * 1024);
    stream_.expires_after(io_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec,
                                                 std::size_t) {
                       self->on_read(ec);
                     });
  }

private:
  void on_read(beast::error_code ec) {
    if (ec)
      return close();
    res_ = respond(parser_->get(), *metrics_);
    stream_.expires_after(io_timeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this()](beast::error_code ec,
                                                  std::size_t) {
                        if (ec || self->res_.need_eof())
                          return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  boost::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::shared_ptr<synchronized_metrics> metrics_;
};

} // namespace

struct prometheus_endpoint::impl {
  std::shared_ptr<synchronized_metrics> metrics
    = std::make_shared<synchronized_metrics>();
  sink feed;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  std::thread thread;
  std::string address;
  uint16_t port = 0;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted)
        return;
      if (ec) {
        // E.g. out of file descriptors: try again shortly, don't spin.
        spdlog::warn("prometheus endpoint: accept failed: {}", ec.message());
        retry.expires_after(std::chrono::milliseconds{200});
        retry.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec)
            accept();
        });
        return;
      }
      std::make_shared<session>(std::move(socket), metrics)->read();
      accept();
    });
  }

  void run() {
    try {
      io.run();
    } catch (const std::exception& ex) {
      spdlog::error("prometheus endpoint stopped: {}", ex.what());
    }
  }
};

prometheus_start prometheus_endpoint::start(caf::actor_system& sys,
                                            const prometheus_options& opts) {
  prometheus_start out;
  auto text = opts.address == "localhost" ? std::string{"127.0.0.1"}
                                          : opts.address;
  beast::error_code ec;
  auto addr = asio::ip::make_address(text, ec);
  if (ec) {
    out.error = fmt::format("prometheus endpoint: \"{}\" is not an IP address",
                            opts.address);
    return out;
  }
  if (!addr.is_loopback() && !opts.allow_remote) {
    out.error = fmt::format(
      "prometheus endpoint: refusing to bind {}, which is not a loopback "
      "address: the metrics would be reachable from other hosts; bind "
      "127.0.0.1 (the default) or set allow_remote = true",
      opts.address);
    return out;
  }
  auto p = std::make_unique<impl>();
  tcp::endpoint where{addr, opts.port};
  auto fail = [&](const char* what) {
    out.error = fmt::format("prometheus endpoint: cannot {} {}:{}: {}", what,
                            opts.address, opts.port, ec.message());
    return std::move(out);
  };
  if (p->acceptor.open(where.protocol(), ec); ec)
    return fail("open a socket for");
  if (p->acceptor.set_option(asio::socket_base::reuse_address{true}, ec); ec)
    return fail("configure a socket for");
  if (p->acceptor.bind(where, ec); ec)
    return fail("bind");
  if (p->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail("listen on");
  p->address = addr.to_string();
  p->port = p->acceptor.local_endpoint(ec).port();
  auto metrics = p->metrics;
  p->feed = add_sink(
    sys, [metrics](const event& ev) { metrics->apply(ev); },
    [metrics](const pool_snapshot& snap) { metrics->apply(snap); });
  p->accept();
  auto raw = p.get();
  p->thread = std::thread{[raw] { raw->run(); }};
  pthread_setname_np(p->thread.native_handle(), "sp-prometheus");
  out.endpoint.reset(new prometheus_endpoint(std::move(p)));
  return out;
}

prometheus_endpoint::prometheus_endpoint(std::unique_ptr<impl> ptr)
  : impl_(std::move(ptr)) {
}

prometheus_endpoint::~prometheus_endpoint() {
  impl_->io.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
  impl_->feed.cancel();
}

const std::string& prometheus_endpoint::address() const {
  return impl_->address;
}

uint16_t prometheus_endpoint::port() const {
  return impl_->port;
}

std::string prometheus_endpoint::url() const {
  auto host = impl_->address.find(':') != std::string::npos
                ? "[" + impl_->address + "]"
                : impl_->address;
  return fmt::format("http://{}:{}/metrics", host, impl_->port);
}

const std::shared_ptr<synchronized_metrics>&
prometheus_endpoint::metrics() const {
  return impl_->metrics;
}

} // namespace snakepit::telemetry
