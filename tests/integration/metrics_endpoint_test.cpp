// The `[telemetry]` exporters of a `snakepit::host`: a real /metrics
// endpoint scraped over TCP while real workers serve requests, the event
// log, and a host that refuses to start when the endpoint cannot bind.

#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include <caf/all.hpp>

#include <filesystem>
#include <future>
#include <string>

#include <snakepit/telemetry/bus.hpp>

#include "host_fixture.hpp"
#include "telemetry/prometheus_endpoint.hpp"
#include "tests/unit/telemetry/exposition_parser.hpp"
#include "tests/unit/telemetry/http_client.hpp"

using namespace snakepit;
using namespace snakepit::it;
namespace tel = snakepit::telemetry;

namespace {

/// Starts a host or fails the test with the error text.
std::unique_ptr<host> start_host(host_config cfg) {
  auto started = host::start(std::move(cfg));
  if (!started)
    FAIL("host::start failed: " << started.error().message);
  return std::move(*started);
}

/// The error text of a host start that must fail.
std::string start_error(host_config cfg) {
  auto started = host::start(std::move(cfg));
  REQUIRE(!started);
  return started.error().message;
}

exposition::document scrape(uint16_t port) {
  auto reply = http_client::request(port, "GET", "/metrics");
  REQUIRE(reply.status == 200);
  auto doc = exposition::parse(reply.body);
  INFO(reply.body);
  INFO(doc.error_text());
  REQUIRE(doc.ok());
  return doc;
}

} // namespace

TEST_CASE("metrics endpoint: a host with prometheus = true serves the "
          "requests it answered",
          "[integration][telemetry]") {
  captured_log log;
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.telemetry.prometheus = true;
  cfg.telemetry.prometheus_port = 0;
  cfg.telemetry.log_events = true;
  cfg.pools[0].lifecycle_interval = std::chrono::milliseconds{100};
  auto h = start_host(cfg);
  const auto* ep = h->metrics_endpoint();
  REQUIRE(ep != nullptr);
  auto port = ep->port();
  REQUIRE(port != 0);
  auto url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  CHECK(ep->url() == url);
  CHECK(log.matching({"[info] serving Prometheus metrics on " + url}).size()
        == 1);
  for (const auto& s : h->await_ready())
    REQUIRE(s.all_ready());

  // Nothing answered yet: the family is declared, no series.
  auto idle = scrape(port);
  CHECK(idle.types.at("snakepit_requests_total") == "counter");
  CHECK(idle.sum("snakepit_requests_total") == 0);

  for (int i = 0; i < 3; ++i)
    REQUIRE(h->client().execute("default", "add", R"({"a": 1, "b": 2})").ok());
  REQUIRE(h->client().execute("default", "fail", R"({"message": "x"})")
            .code()
          == error_code::python_error);
  REQUIRE(h->client().execute("default", "echo", R"({"x": 1})").ok());
  // Each reply was published (and applied by the endpoint's sink) before
  // it was delivered: no wait needed.
  auto busy = scrape(port);
  CHECK(busy.value("snakepit_requests_total",
                   {{"pool", "default"}, {"outcome", "success"}})
        == 4);
  CHECK(busy.value("snakepit_requests_total",
                   {{"pool", "default"}, {"outcome", "python_error"}})
        == 1);
  CHECK(busy.sum("snakepit_requests_total") == 5);
  CHECK(busy.value("snakepit_request_duration_seconds_count",
                   {{"pool", "default"},
                    {"command", "add"},
                    {"outcome", "success"}})
        == 3);

  // The gauges come from the lifecycle actor's snapshots and follow the
  // load: the worker's PSS, and its slot busy while a call runs.
  const exposition::label_map w1{{"pool", "default"},
                                 {"worker", "default/w1"}};
  CHECK(eventually([&] {
    return scrape(port).value("snakepit_worker_memory_bytes", w1).value_or(0)
           > 1024 * 1024;
  }));
  const exposition::label_map pool{{"pool", "default"}};
  // A snapshot taken while the last request ran may still be the latest.
  CHECK(eventually([&] {
    return scrape(port).value("snakepit_slots_busy", pool) == 0;
  }));
  auto slow = std::async(std::launch::async, [&] {
    return h->client().execute("default", "sleep", R"({"ms": 1500})");
  });
  CHECK(eventually([&] {
    return scrape(port).value("snakepit_slots_busy", pool) == 1;
  }));
  CHECK(slow.get().ok());
  CHECK(eventually([&] {
    return scrape(port).value("snakepit_slots_busy", pool) == 0;
  }));

  // log_events: the worker's start went through the log subscriber.
  CHECK_FALSE(
    log.matching({"[info] snakepit.worker.started", "worker=default/w1"})
      .empty());

  h->stop();
  CHECK(h->metrics_endpoint() == nullptr);
  // The port is free again once the host stopped (reuse_address: the
  // scrapes' closed connections may linger in TIME_WAIT).
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor again{io};
  boost::system::error_code ec;
  again.open(asio::ip::tcp::v4(), ec);
  again.set_option(asio::socket_base::reuse_address{true}, ec);
  again.bind({asio::ip::make_address("127.0.0.1"), port}, ec);
  INFO(ec.message());
  CHECK_FALSE(ec);
}

TEST_CASE("metrics endpoint: a port in use fails host start with a message "
          "naming the address and port",
          "[integration][telemetry]") {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor taken{
    io, {asio::ip::make_address("127.0.0.1"), 0}};
  auto port = taken.local_endpoint().port();

  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.telemetry.prometheus = true;
  cfg.telemetry.prometheus_port = port;
  auto error = start_error(cfg);
  CHECK_THAT(error, Catch::Contains("127.0.0.1:" + std::to_string(port)));
  CHECK_THAT(error, Catch::Contains("Address already in use"));
  CHECK_THAT(error, Catch::StartsWith("cannot start telemetry: "));
  // Nothing was left behind: no worker started, the run directory is gone.
  CHECK(std::filesystem::is_empty(tmp / "run"));

  // The endpoint's own checks apply to configs that skipped validate().
  cfg.telemetry.prometheus_address = "0.0.0.0";
  cfg.telemetry.prometheus_port = 0;
  CHECK_THAT(start_error(cfg), Catch::Contains("not a loopback address"));
}
