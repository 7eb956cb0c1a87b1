// Prometheus metrics: counters, the histogram, gauges from snapshots,
// escaping, and well-formed exposition text.

#include <catch2/catch.hpp>

#include "exposition_parser.hpp"
#include "telemetry/metrics.hpp"
#include "test_support.hpp"

using namespace snakepit::telemetry;
using snakepit::pool_snapshot;
using namespace std::chrono_literals;

namespace {

exposition::document parsed(const metrics& m) {
  auto text = m.render();
  auto doc = exposition::parse(text);
  INFO(text);
  INFO(doc.error_text());
  REQUIRE(doc.ok());
  return doc;
}

pool_snapshot snapshot(const std::string& pool) {
  pool_snapshot s;
  s.name = pool;
  s.starting = 1;
  s.queue_depth = 7;
  s.workers = {gauged_worker(pool + "/w1", 2, 2, 40'000'000),
               gauged_worker(pool + "/w2", 2, 1, 0),
               gauged_worker(pool + "/w3", 2, 0, 30'000'000)};
  return s;
}

} // namespace

TEST_CASE("an empty registry declares every metric", "[telemetry][metrics]") {
  metrics m;
  auto doc = parsed(m);
  CHECK(doc.samples.empty());
  CHECK(doc.types.at("snakepit_workers") == "gauge");
  CHECK(doc.types.at("snakepit_slots") == "gauge");
  CHECK(doc.types.at("snakepit_slots_busy") == "gauge");
  CHECK(doc.types.at("snakepit_queue_depth") == "gauge");
  CHECK(doc.types.at("snakepit_worker_memory_bytes") == "gauge");
  CHECK(doc.types.at("snakepit_requests_total") == "counter");
  CHECK(doc.types.at("snakepit_request_duration_seconds") == "histogram");
  CHECK(doc.types.at("snakepit_worker_recycles_total") == "counter");
  CHECK(doc.types.at("snakepit_health_check_failures_total") == "counter");
  CHECK(doc.types.at("snakepit_pool_failures_total") == "counter");
  CHECK(doc.types.at("snakepit_pool_recoveries_total") == "counter");
  CHECK(doc.types.at("snakepit_pool_failed") == "gauge");
  CHECK(doc.types.at("snakepit_sessions") == "gauge");
  CHECK(doc.types.at("snakepit_sessions_created_total") == "counter");
  CHECK(doc.types.at("snakepit_sessions_expired_total") == "counter");
  CHECK(doc.types.at("snakepit_sessions_lost_total") == "counter");
  CHECK(doc.types.at("snakepit_sessions_moved_total") == "counter");
  CHECK(doc.help.size() == doc.types.size());
}

TEST_CASE("request counters increase by outcome", "[telemetry][metrics]") {
  metrics m;
  m.apply(make_request_executed("default", "default/w1", "add", true, 2ms,
                                0ms));
  auto doc = parsed(m);
  CHECK(doc.value("snakepit_requests_total",
                  {{"pool", "default"}, {"outcome", "success"}})
        == 1);
  m.apply(make_request_executed("default", "default/w1", "add", true, 2ms,
                                0ms));
  m.apply(make_request_executed("default", "", "add", false, 5s, 5s,
                                "queue_timeout"));
  m.apply(make_request_executed("default", "default/w2", "add", false, 1ms,
                                0ms));
  doc = parsed(m);
  CHECK(doc.value("snakepit_requests_total",
                  {{"pool", "default"}, {"outcome", "success"}})
        == 2);
  CHECK(doc.value("snakepit_requests_total",
                  {{"pool", "default"}, {"outcome", "queue_timeout"}})
        == 1);
  CHECK(doc.value("snakepit_requests_total",
                  {{"pool", "default"}, {"outcome", "failure"}})
        == 1);
  CHECK(doc.sum("snakepit_requests_total") == 4);
}

TEST_CASE("histogram buckets are cumulative", "[telemetry][metrics]") {
  metrics m{{0.001, 0.01, 0.1}};
  for (caf::timespan d : {caf::timespan{500us}, caf::timespan{1ms},
                          caf::timespan{5ms}, caf::timespan{50ms},
                          caf::timespan{50ms}, caf::timespan{3s}})
    m.apply(make_request_executed("default", "default/w1", "work", true, d,
                                  0ms));
  auto doc = parsed(m);
  auto bucket = [&](const char* le) {
    return doc.value("snakepit_request_duration_seconds_bucket",
                     {{"pool", "default"},
                      {"command", "work"},
                      {"outcome", "success"},
                      {"le", le}});
  };
  // le is inclusive: 0.001 lands in the 0.001 bucket.
  CHECK(bucket("0.001") == 2);
  CHECK(bucket("0.01") == 3);
  CHECK(bucket("0.1") == 5);
  CHECK(bucket("+Inf") == 6);
  exposition::label_map series{
    {"pool", "default"}, {"command", "work"}, {"outcome", "success"}};
  CHECK(doc.value("snakepit_request_duration_seconds_count", series) == 6);
  CHECK(doc.value("snakepit_request_duration_seconds_sum", series)
        == Approx(3.1065));
}

TEST_CASE("recycles and health check failures are counted",
          "[telemetry][metrics]") {
  metrics m;
  m.apply(make_worker_recycled("default", "default/w1", recycle_reason::ttl,
                               1h, 10, 1));
  m.apply(make_worker_recycled("default", "default/w2", recycle_reason::ttl,
                               1h, 10, 1));
  m.apply(make_worker_recycled("default", "default/w3",
                               recycle_reason::crashed, 1s, 1, 1));
  m.apply(make_health_check_failed("default", "default/w4", 1, "timeout"));
  m.apply(make_health_check_failed("default", "default/w4", 2, "timeout"));
  m.apply(make_pool_saturated("default", 1, 1, 0, 1)); // no metric of its own
  auto doc = parsed(m);
  CHECK(doc.value("snakepit_worker_recycles_total",
                  {{"pool", "default"}, {"reason", "ttl"}})
        == 2);
  CHECK(doc.value("snakepit_worker_recycles_total",
                  {{"pool", "default"}, {"reason", "crashed"}})
        == 1);
  CHECK(doc.value("snakepit_health_check_failures_total",
                  {{"pool", "default"}})
        == 2);
}

TEST_CASE("pool failures and recoveries are counted, with a failed gauge",
          "[telemetry][metrics]") {
  metrics m;
  m.apply(make_pool_failed("default", "pool default failed: boom", 1s));
  auto doc = parsed(m);
  CHECK(doc.value("snakepit_pool_failures_total", {{"pool", "default"}})
        == 1);
  CHECK(doc.value("snakepit_pool_failed", {{"pool", "default"}}) == 1);
  m.apply(make_pool_recovered("default", "probe", 3s, 2));
  m.apply(make_pool_failed("default", "pool default failed: boom", 1s));
  m.apply(make_pool_recovered("default", "manual", 1s, 0));
  doc = parsed(m);
  CHECK(doc.value("snakepit_pool_failures_total", {{"pool", "default"}})
        == 2);
  CHECK(doc.value("snakepit_pool_recoveries_total",
                  {{"pool", "default"}, {"trigger", "probe"}})
        == 1);
  CHECK(doc.value("snakepit_pool_recoveries_total",
                  {{"pool", "default"}, {"trigger", "manual"}})
        == 1);
  CHECK(doc.value("snakepit_pool_failed", {{"pool", "default"}}) == 0);
  m.forget_pool("default");
  CHECK(parsed(m).samples.empty());
}

TEST_CASE("session events are counted and the session gauges follow the "
          "snapshot",
          "[telemetry][metrics]") {
  metrics m;
  for (auto id : {"a", "b", "c"})
    m.apply(make_session_created("default", id, "default/w1"));
  m.apply(make_session_created("other", "a", "other/w1"));
  m.apply(make_session_expired("default", "a", "default/w1", 1h));
  m.apply(make_session_lost("default", "b", "default/w1", "its worker went"));
  m.apply(make_session_moved("default", "c", "default/w1", "default/w2", 12,
                             3ms));
  m.apply(make_session_moved("default", "c", "default/w2", "default/w3", 12,
                             3ms));
  auto snap = snapshot("default");
  snap.sessions = 1;
  snap.sessions_lost = 1;
  m.apply(snap);
  auto doc = parsed(m);
  exposition::label_map def{{"pool", "default"}};
  CHECK(doc.value("snakepit_sessions_created_total", def) == 3);
  CHECK(doc.value("snakepit_sessions_created_total", {{"pool", "other"}})
        == 1);
  CHECK(doc.value("snakepit_sessions_expired_total", def) == 1);
  CHECK(doc.value("snakepit_sessions_lost_total", def) == 1);
  CHECK(doc.value("snakepit_sessions_moved_total", def) == 2);
  CHECK(doc.value("snakepit_sessions", {{"pool", "default"}, {"state", "held"}})
        == 1);
  CHECK(doc.value("snakepit_sessions", {{"pool", "default"}, {"state", "lost"}})
        == 1);
  m.forget_pool("default");
  doc = parsed(m);
  CHECK(doc.sum("snakepit_sessions_created_total") == 1);
  CHECK(doc.sum("snakepit_sessions") == 0);
}

TEST_CASE("gauges follow the latest snapshot", "[telemetry][metrics]") {
  metrics m;
  m.apply(snapshot("default"));
  auto doc = parsed(m);
  auto workers = [&](const char* state) {
    return doc.value("snakepit_workers",
                     {{"pool", "default"}, {"state", state}});
  };
  CHECK(workers("starting") == 1);
  CHECK(workers("busy") == 2);
  CHECK(workers("idle") == 1);
  // No spares configured: no spare series.
  CHECK(!doc.value("snakepit_workers",
                   {{"pool", "default"}, {"state", "spare"}}));
  CHECK(doc.value("snakepit_slots", {{"pool", "default"}}) == 6);
  CHECK(doc.value("snakepit_slots_busy", {{"pool", "default"}}) == 3);
  CHECK(doc.value("snakepit_queue_depth", {{"pool", "default"}}) == 7);
  CHECK(doc.value("snakepit_worker_memory_bytes",
                  {{"pool", "default"}, {"worker", "default/w1"}})
        == 40'000'000);
  // Unknown memory (0) has no series.
  CHECK(!doc.value("snakepit_worker_memory_bytes",
                   {{"pool", "default"}, {"worker", "default/w2"}}));
  // A recycled worker's memory series goes at once.
  m.apply(make_worker_recycled("default", "default/w1",
                               recycle_reason::memory, 1h, 10, 40'000'000));
  doc = parsed(m);
  CHECK(!doc.value("snakepit_worker_memory_bytes",
                   {{"pool", "default"}, {"worker", "default/w1"}}));
  // The next snapshot replaces everything.
  auto next = snapshot("default");
  next.spare_workers = 2;
  next.spares = {gauged_worker("default/w4", 2, 0, 0)};
  next.starting = 0;
  next.queue_depth = 0;
  next.workers.resize(1);
  next.workers[0].busy = 0;
  m.apply(next);
  doc = parsed(m);
  CHECK(workers("starting") == 0);
  CHECK(workers("busy") == 0);
  CHECK(workers("idle") == 1);
  CHECK(workers("spare") == 1);
  CHECK(doc.value("snakepit_queue_depth", {{"pool", "default"}}) == 0);
  CHECK(doc.sum("snakepit_worker_memory_bytes") == 40'000'000);
}

TEST_CASE("label values are escaped", "[telemetry][metrics]") {
  CHECK(escape_label_value("plain") == "plain");
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  metrics m;
  std::string odd = "we\"ird\\pool\nname";
  m.apply(make_request_executed(odd, "w", "cmd \"x\"", true, 1ms, 0ms));
  auto text = m.render();
  CHECK(text.find("pool=\"we\\\"ird\\\\pool\\nname\"") != std::string::npos);
  auto doc = parsed(m);
  CHECK(doc.value("snakepit_requests_total",
                  {{"pool", odd}, {"outcome", "success"}})
        == 1);
}

TEST_CASE("sample values are formatted for Prometheus",
          "[telemetry][metrics]") {
  CHECK(format_sample_value(1) == "1");
  CHECK(format_sample_value(0.25) == "0.25");
  CHECK(format_sample_value(HUGE_VAL) == "+Inf");
  CHECK(format_sample_value(-HUGE_VAL) == "-Inf");
  CHECK(format_sample_value(std::nan("")) == "NaN");
}

TEST_CASE("forgetting a pool drops its series", "[telemetry][metrics]") {
  metrics m;
  m.apply(snapshot("a"));
  m.apply(snapshot("b"));
  m.apply(make_request_executed("a", "a/w1", "x", true, 1ms, 0ms));
  m.apply(make_request_executed("b", "b/w1", "x", true, 1ms, 0ms));
  m.apply(make_health_check_failed("a", "a/w1", 1, "timeout"));
  m.forget_pool("a");
  auto doc = parsed(m);
  for (const auto& s : doc.samples)
    CHECK(s.labels.at("pool") == "b");
  CHECK(doc.sum("snakepit_requests_total") == 1);
}

TEST_CASE("no series carries a pid", "[telemetry][metrics]") {
  metrics m;
  m.apply(make_worker_started("default", "default/w1", 4242, "process", 1,
                              1s));
  m.apply(snapshot("default"));
  for (const auto& ev : one_of_each())
    m.apply(ev);
  auto doc = parsed(m);
  for (const auto& s : doc.samples) {
    CHECK(s.labels.count("pid") == 0);
    for (const auto& kv : s.labels)
      CHECK(kv.second.find("4242") == std::string::npos);
  }
}
