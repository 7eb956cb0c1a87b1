// The /metrics endpoint on loopback: parseable text that changes with the
// events published on the bus, 404 elsewhere, and no remote binding unless
// asked for.

#include <catch2/catch.hpp>

#include "exposition_parser.hpp"
#include "http_client.hpp"
#include "telemetry/prometheus_endpoint.hpp"
#include "test_support.hpp"

using namespace snakepit::telemetry;
using snakepit::pool_snapshot;
using namespace std::chrono_literals;

namespace {

exposition::document scrape(const prometheus_endpoint& ep) {
  auto reply = http_client::request(ep.port(), "GET", "/metrics");
  REQUIRE(reply.status == 200);
  CHECK(reply.headers.find("Content-Type: text/plain; version=0.0.4")
        != std::string::npos);
  auto doc = exposition::parse(reply.body);
  INFO(reply.body);
  INFO(doc.error_text());
  REQUIRE(doc.ok());
  return doc;
}

prometheus_options loopback_ephemeral() {
  prometheus_options opts;
  opts.port = 0;
  return opts;
}

pool_snapshot snapshot(int busy, uint64_t queue) {
  pool_snapshot s;
  s.name = "default";
  s.queue_depth = queue;
  s.workers = {gauged_worker("default/w1", 1, busy > 0 ? 1 : 0, 30'000'000),
               gauged_worker("default/w2", 1, busy > 1 ? 1 : 0, 31'000'000)};
  return s;
}

} // namespace

TEST_CASE("the endpoint serves metrics that change with load",
          "[telemetry][prometheus]") {
  system_fixture f;
  auto started = prometheus_endpoint::start(f.sys, loopback_ephemeral());
  INFO(started.error);
  REQUIRE(started);
  auto& ep = *started.endpoint;
  CHECK(ep.port() != 0);
  CHECK(ep.address() == "127.0.0.1");
  CHECK(ep.url() == "http://127.0.0.1:" + std::to_string(ep.port())
                      + "/metrics");
  // Idle: every family declared, no series.
  auto idle = scrape(ep);
  CHECK(idle.types.count("snakepit_request_duration_seconds") == 1);
  CHECK(idle.sum("snakepit_requests_total") == 0);
  // Some load.
  publish(f.sys, snapshot(2, 5));
  for (int i = 0; i < 3; ++i)
    publish(f.sys, make_request_executed("default", "default/w1", "add", true,
                                         2ms, 1ms));
  publish(f.sys, make_worker_recycled("default", "default/w2",
                                      recycle_reason::max_requests, 10min,
                                      1000, 31'000'000));
  publish(f.sys, make_session_created("default", "s", "default/w1"));
  // The sink applied the events inside publish: nothing to wait for.
  auto busy = scrape(ep);
  CHECK(busy.value("snakepit_requests_total",
                   {{"pool", "default"}, {"outcome", "success"}})
        == 3);
  CHECK(busy.value("snakepit_queue_depth", {{"pool", "default"}}) == 5);
  CHECK(busy.value("snakepit_sessions_created_total", {{"pool", "default"}})
        == 1);
  CHECK(busy.value("snakepit_sessions",
                   {{"pool", "default"}, {"state", "held"}})
        == 0);
  // Two busy slots in the snapshot, but w2 was recycled since.
  CHECK(busy.value("snakepit_slots_busy", {{"pool", "default"}}) == 1);
  CHECK(busy.value("snakepit_worker_recycles_total",
                   {{"pool", "default"}, {"reason", "max_requests"}})
        == 1);
  CHECK(busy.value("snakepit_request_duration_seconds_count",
                   {{"pool", "default"},
                    {"command", "add"},
                    {"outcome", "success"}})
        == 3);
  // More load, then quiet again: counters grow, gauges follow.
  publish(f.sys, make_request_executed("default", "", "add", false, 1s, 1s,
                                       "queue_timeout"));
  publish(f.sys, make_request_executed("default", "default/w1", "add", true,
                                       4ms, 0ms));
  publish(f.sys, snapshot(0, 0));
  auto later = scrape(ep);
  CHECK(later.value("snakepit_requests_total",
                    {{"pool", "default"}, {"outcome", "success"}})
        == 4);
  CHECK(later.value("snakepit_requests_total",
                    {{"pool", "default"}, {"outcome", "queue_timeout"}})
        == 1);
  CHECK(later.value("snakepit_queue_depth", {{"pool", "default"}}) == 0);
  CHECK(later.value("snakepit_slots_busy", {{"pool", "default"}}) == 0);
  CHECK(later.value("snakepit_workers",
                    {{"pool", "default"}, {"state", "idle"}})
        == 2);
  // The endpoint's text is the metrics object's.
  CHECK(exposition::parse(ep.metrics()->render()).samples.size()
        == later.samples.size());
}

TEST_CASE("other paths get 404, other methods 405",
          "[telemetry][prometheus]") {
  system_fixture f;
  auto started = prometheus_endpoint::start(f.sys, loopback_ephemeral());
  REQUIRE(started);
  auto port = started.endpoint->port();
  CHECK(http_client::request(port, "GET", "/").status == 404);
  CHECK(http_client::request(port, "GET", "/metricsx").status == 404);
  CHECK(http_client::request(port, "POST", "/metrics").status == 405);
  CHECK(http_client::request(port, "GET", "/metrics?x=1").status == 200);
  auto head = http_client::request(port, "HEAD", "/metrics");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
}

TEST_CASE("a non-loopback address is refused unless allowed",
          "[telemetry][prometheus]") {
  system_fixture f;
  prometheus_options opts;
  opts.address = "0.0.0.0";
  opts.port = 0;
  auto refused = prometheus_endpoint::start(f.sys, opts);
  CHECK(!refused);
  CHECK(refused.error.find("not a loopback address") != std::string::npos);
  CHECK(refused.error.find("allow_remote = true") != std::string::npos);
  opts.allow_remote = true;
  auto allowed = prometheus_endpoint::start(f.sys, opts);
  INFO(allowed.error);
  CHECK(allowed);
  opts.address = "not-an-address";
  auto bad = prometheus_endpoint::start(f.sys, opts);
  CHECK(!bad);
  CHECK(bad.error.find("not an IP address") != std::string::npos);
}

TEST_CASE("a port in use is an error, not an exception",
          "[telemetry][prometheus]") {
  system_fixture f;
  auto first = prometheus_endpoint::start(f.sys, loopback_ephemeral());
  REQUIRE(first);
  prometheus_options opts;
  opts.port = first.endpoint->port();
  auto second = prometheus_endpoint::start(f.sys, opts);
  CHECK(!second);
  CHECK(second.error.find("cannot bind") != std::string::npos);
}

TEST_CASE("stopping the endpoint ends its subscription",
          "[telemetry][prometheus]") {
  system_fixture f;
  auto before = subscriber_count();
  {
    auto started = prometheus_endpoint::start(f.sys, loopback_ephemeral());
    REQUIRE(started);
    CHECK(subscriber_count() == before + 1);
    CHECK(subscriber_count(topic::snapshots) >= 1);
  }
  CHECK(subscriber_count() == before);
}
