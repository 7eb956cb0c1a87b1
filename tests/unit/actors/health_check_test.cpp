// Health checks on simulated time, without Python: a worker whose channel
// stops answering pings is killed after health_check_max_misses misses,
// each reported as an event, and the calls it held are answered.

#include <catch2/catch.hpp>

#include <snakepit/telemetry/event_types.hpp>

#include "pool_fixture.hpp"

using namespace snakepit;
using namespace snakepit::testing;
using namespace std::chrono_literals;

TEST_CASE("a worker that stops answering pings is killed after "
          "health_check_max_misses",
          "[actors][health]") {
  auto cfg = test_pool(1);
  cfg.health_check_interval = 1s;
  cfg.health_check_timeout = 500ms;
  cfg.health_check_max_misses = 3;
  pool_fixture f{cfg};
  auto failed = f.record<telemetry::worker_health_check_failed>();
  f.start_workers();
  auto held = f.send(make_request("work"));
  auto& channel = f.channel("p/w1");
  // The first ping, one interval after ready, is answered.
  f.wait(1s);
  REQUIRE(channel.pings_waiting() == 1);
  channel.answer_ping();
  f.settle();
  // From now on nothing answers: each ping is a miss at its timeout, and
  // the next one goes out an interval later.
  f.wait(1s);
  CHECK(channel.pings_sent() == 2);
  f.wait(499ms);
  CHECK(failed->empty());
  f.wait(1ms);
  REQUIRE(failed->size() == 1);
  CHECK(failed->back().pool == "p");
  CHECK(failed->back().worker == "p/w1");
  CHECK(failed->back().misses == 1);
  CHECK(failed->back().reason == "timeout");
  f.wait(1500ms);
  CHECK(channel.pings_sent() == 3);
  REQUIRE(failed->size() == 2);
  CHECK(failed->back().misses == 2);
  CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  CHECK(f.replies(held).empty());
  // The third miss kills it; the call it held is answered.
  f.wait(1499ms);
  CHECK(channel.pings_sent() == 4);
  CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  f.wait(1ms);
  REQUIRE(failed->size() == 3);
  CHECK(failed->back().misses == 3);
  CHECK(f.launcher().stop_asked("p/w1"));
  CHECK(f.events().back() == "kill p/w1");
  const auto& reply = f.reply(held);
  CHECK(reply.code() == error_code::worker_crashed);
  CHECK_THAT(reply.error().message,
             Catch::Contains("is unhealthy: 3 health checks in a row failed"));
  CHECK(reply.error().worker == "p/w1");
  // A new worker takes its place.
  CHECK(f.launcher().exit_stopped() == 1);
  f.settle();
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w2"});
  auto p = f.inspection();
  CHECK(p.health_check_failures == 3);
  CHECK(p.recycles.at("unhealthy") == 1);
}
