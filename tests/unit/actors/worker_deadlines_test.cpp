// A worker's own deadlines on simulated time, without Python: a start-up
// that outlives startup_timeout, the start-up measurement, and a call
// still running hung_call_grace after its caller got request_timeout.

#include <catch2/catch.hpp>

#include <snakepit/telemetry/event_types.hpp>

#include "pool_fixture.hpp"

using namespace snakepit;
using namespace snakepit::testing;
using namespace std::chrono_literals;

namespace {

/// Starts the one waiting worker, which then never reports ready, and
/// lets `startup_timeout` pass: it is killed at its deadline, not before.
void time_out_next_start(pool_fixture& f, std::chrono::milliseconds limit) {
  auto waiting = f.launcher().waiting();
  REQUIRE(waiting.size() == 1);
  const auto& id = waiting.front();
  f.launcher().start_silent(id);
  f.settle();
  f.wait(limit - 1ms);
  CHECK_FALSE(f.launcher().stop_asked(id));
  f.wait(1ms);
  CHECK(f.launcher().stop_asked(id));
  CHECK(f.events().back() == "kill " + id);
  CHECK(f.launcher().exit_stopped() == 1);
  f.settle();
}

} // namespace

TEST_CASE("a worker not ready within startup_timeout is killed, a failed "
          "start",
          "[actors][startup]") {
  auto cfg = test_pool(1);
  cfg.startup_timeout = 1s;
  cfg.max_restarts = 1;
  pool_fixture f{cfg};
  auto queued = f.send(make_request("work"));
  time_out_next_start(f, cfg.startup_timeout);
  // Charged to the restart budget: the first failed start is restarted
  // (max_restarts = 1) ...
  CHECK(f.replies(queued).empty());
  CHECK(f.status().failed.code == error_code::none);
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w2"});
  // ... and the second fails the pool, with the cause.
  time_out_next_start(f, cfg.startup_timeout);
  const auto& reply = f.reply(queued);
  CHECK(reply.code() == error_code::pool_failed);
  CHECK_THAT(reply.error().message,
             Catch::Contains("worker p/w2 did not become ready within "
                             "1000 ms"));
  CHECK(f.status().failed.code == error_code::pool_failed);
  CHECK(f.launcher().waiting().empty());
}

TEST_CASE("a worker's start-up time runs from its launch to its ready file",
          "[actors][startup]") {
  pool_fixture f{test_pool(1)};
  auto started = f.record<telemetry::worker_started>();
  REQUIRE(f.launcher().waiting() == std::vector<std::string>{"p/w1"});
  f.wait(300ms);
  // Found at the worker's next look for its ready file, 5 ms later.
  f.start_workers();
  REQUIRE(started->size() == 1);
  CHECK(started->front().worker == "p/w1");
  CHECK(started->front().startup == 305ms);
}

TEST_CASE("a call still running hung_call_grace after its deadline gets its "
          "worker replaced",
          "[actors][hung]") {
  auto cfg = test_pool(1);
  cfg.request_timeout = 2s;
  cfg.hung_call_grace = 200ms;
  pool_fixture f{cfg};
  f.start_workers();
  auto hung = f.send(make_request("hang"));
  auto call = f.only_call("p/w1");
  CHECK(f.channel("p/w1").timeout_of(call) == 2s);
  f.wait(2s);
  f.channel("p/w1").expire(call);
  f.settle();
  CHECK(f.reply(hung).code() == error_code::request_timeout);
  // Python still runs it: its slot stays busy, the next request waits.
  auto next = f.send(make_request("work"));
  CHECK(f.status().queue_depth == 1);
  // The worker asks Python every 50 ms; within the grace it lives on.
  for (int probe = 1; probe <= 3; ++probe) {
    f.wait(50ms);
    REQUIRE(f.channel("p/w1").probes_waiting() == 1);
    f.channel("p/w1").answer_probe({call});
    f.settle();
    CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  }
  // At hung_call_grace past the deadline it is killed.
  f.wait(50ms);
  REQUIRE(f.channel("p/w1").probes_waiting() == 1);
  f.channel("p/w1").answer_probe({call});
  f.settle();
  CHECK(f.launcher().stop_asked("p/w1"));
  CHECK(f.events().back() == "kill p/w1");
  CHECK(f.launcher().exit_stopped() == 1);
  f.settle();
  // The caller got its one reply; a new worker takes the slot and the
  // waiting request.
  CHECK(f.replies(hung).size() == 1);
  CHECK(f.replies(next).empty());
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w2"});
  f.start_workers();
  f.channel("p/w2").succeed(f.only_call("p/w2"), "2");
  f.settle();
  CHECK(f.reply(next)->worker == "p/w2");
  CHECK(f.replies(hung).size() == 1);
  CHECK(f.inspection().recycles.at("timeout") == 1);
}
