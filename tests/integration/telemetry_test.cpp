// Telemetry from a live pool: each event reaches a subscriber with every
// field docs/telemetry.md documents for it.

#include <catch2/catch.hpp>

#include <future>

#include "calls.hpp"
#include "event_log.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;
namespace tel = snakepit::telemetry;


TEST_CASE("telemetry: a subscriber receives the pool's events with their "
          "documented fields",
          "[integration][telemetry]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].queue_size = 1;
  host_fixture host{cfg};
  event_log received{host.system()};
  REQUIRE(host.await_ready().all_ready());

  // request.executed, success and failure; capacity_reached (1 slot).
  REQUIRE(host.exec("add", R"({"a": 1, "b": 2})").ok());
  REQUIRE(host.exec("fail", R"({"message": "x"})").code()
          == error_code::python_error);
  REQUIRE(eventually(
    [&] { return received.of<tel::request_executed>().size() >= 2; },
    5000ms));
  auto executed = received.of<tel::request_executed>();
  CHECK(executed[0].command == "add");
  CHECK(executed[0].success);
  CHECK(executed[0].worker == "default/w1");
  CHECK(executed[0].duration > caf::timespan{0});
  CHECK(executed[1].command == "fail");
  CHECK(executed[1].success == false);
  CHECK(executed[1].error == "python_error");
  CHECK_FALSE(received.of<tel::pool_capacity_reached>().empty());

  // pool.saturated: one call runs, one waits, the third is refused.
  auto running = std::async(std::launch::async,
                            [&] { return host.exec("sleep", sleep_args(800)); });
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }, 5000ms));
  auto waiting = std::async(std::launch::async,
                            [&] { return host.exec("sleep", sleep_args(10)); });
  REQUIRE(eventually([&] { return host.status().queue_depth == 1; }, 5000ms));
  CHECK(host.exec("ping").code() == error_code::pool_saturated);
  CHECK(running.get().ok());
  auto queued = waiting.get();
  CHECK(queued.ok());
  REQUIRE(eventually(
    [&] { return !received.of<tel::pool_saturated>().empty(); },
    5000ms));
  // The queued request is reported too, with its wait.
  REQUIRE(eventually(
    [&] { return received.of<tel::request_executed>().size() >= 5; },
    5000ms));
  bool queued_reported = false;
  for (const auto& ev : received.of<tel::request_executed>())
    if (ev.command == "sleep"
        && ev.queue_wait > caf::timespan{0})
      queued_reported = true;
  CHECK(queued_reported);

  // worker.recycled (crashed), then worker.started of the replacement.
  CHECK(host.exec("crash", R"({"code": 3})").code()
        == error_code::worker_crashed);
  auto replacement_started = [&] {
    for (const auto& ev : received.of<tel::worker_started>())
      if (ev.worker == "default/w2")
        return true;
    return false;
  };
  REQUIRE(eventually(
    [&] {
      return !received.of<tel::worker_recycled>().empty()
             && replacement_started();
    },
    15000ms));
  auto recycled = received.of<tel::worker_recycled>().front();
  CHECK(recycled.reason == recycle_reason::crashed);
  CHECK(recycled.worker == "default/w1");
  for (const auto& ev : received.of<tel::worker_started>())
    CHECK(ev.startup > caf::timespan{0});
  received.cancel();
}
