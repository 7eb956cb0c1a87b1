// One snapshot type for status and inspection: dispatched and answered
// requests counted apart, workers oldest first with their state, and the
// lifecycle actor's measurements only in an inspection.

#include <catch2/catch.hpp>

#include <string>

#include "pool_fixture.hpp"

using namespace snakepit;
using namespace snakepit::testing;
using namespace std::chrono_literals;

TEST_CASE("a snapshot counts dispatched and answered requests apart",
          "[actors][snapshots]") {
  pool_fixture f{test_pool(2)};
  REQUIRE(f.start_workers() == std::vector<std::string>{"p/w1", "p/w2"});
  auto running = f.send(make_request("work"));
  auto s = f.status();
  CHECK(s.requests_dispatched == 1);
  CHECK(s.requests_answered == 0);
  CHECK(s.ready == 2);
  CHECK(s.busy_slots == 1);
  REQUIRE(s.workers.size() == 2);
  CHECK(s.workers[0].id == "p/w1");
  CHECK(s.workers[1].id == "p/w2");
  CHECK(s.workers[0].key < s.workers[1].key);
  CHECK(s.workers[0].requests_dispatched == 1);
  CHECK(std::string{state_of(s.workers[0])} == "busy");
  CHECK(std::string{state_of(s.workers[1])} == "ready");
  f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
  f.settle();
  REQUIRE(f.reply(running).ok());
  s = f.status();
  CHECK(s.requests_dispatched == 1);
  CHECK(s.requests_answered == 1);
  CHECK(s.busy_slots == 0);
}

TEST_CASE("only an inspection carries the lifecycle actor's measurements",
          "[actors][snapshots]") {
  auto cfg = test_pool(1);
  cfg.lifecycle_interval = 1s;
  pool_fixture f{cfg};
  f.start_workers();
  f.wait(3s);
  auto status = f.status();
  auto inspection = f.inspection();
  CHECK(status.window_samples == 0);
  CHECK(inspection.window_samples >= 2);
  // Everything the pool keeps is the same in both.
  CHECK(inspection.name == status.name);
  CHECK(inspection.ready == status.ready);
  CHECK(inspection.total_slots == status.total_slots);
  CHECK(inspection.requests_dispatched == status.requests_dispatched);
  REQUIRE(inspection.workers.size() == 1);
  CHECK(inspection.workers[0].key == status.workers[0].key);
  CHECK(inspection.workers[0].info.slots == 1);
}
