// A pool whose workers cannot start, and a pool stopped with requests in
// flight, without Python: every request gets exactly one reply, with the
// cause.

#include <catch2/catch.hpp>

#include "messages/atoms.hpp"
#include "pool_fixture.hpp"

using namespace snakepit;
using namespace snakepit::testing;
using namespace std::chrono_literals;

namespace {

/// The next worker reports that its adapter cannot be imported, then
/// exits.
void fail_next_start(pool_fixture& f) {
  auto waiting = f.launcher().waiting();
  REQUIRE(waiting.size() == 1);
  f.launcher().start_failing(waiting.front(), "ModuleNotFoundError",
                             "No module named 'fake'",
                             "Traceback (most recent call last):\n"
                             "ModuleNotFoundError: No module named 'fake'");
  f.wait(5ms);
  process::exit_info info;
  info.exit_code = 1;
  f.launcher().exit(waiting.front(), std::move(info));
  f.settle();
}

} // namespace

TEST_CASE("a pool whose restart budget is spent answers pool_failed with the "
          "cause",
          "[actors][failed]") {
  auto cfg = test_pool(1);
  cfg.max_restarts = 1;
  pool_fixture f{cfg};
  auto queued = f.send(make_request("work"));
  fail_next_start(f);
  // One failed start is restarted (max_restarts = 1) ...
  CHECK(f.replies(queued).empty());
  CHECK(f.status().failed.code == error_code::none);
  // ... and the second one fails the pool.
  fail_next_start(f);
  const auto& reply = f.reply(queued);
  CHECK(reply.code() == error_code::pool_failed);
  CHECK_THAT(reply.error().message, Catch::StartsWith("pool p failed"));
  CHECK_THAT(reply.error().message, Catch::Contains("No module named 'fake'"));
  CHECK(reply.error().python_type == "ModuleNotFoundError");
  CHECK_THAT(reply.error().traceback, Catch::Contains("Traceback"));
  // From now on every request is answered at once with the same cause,
  // and no worker is started in a loop.
  auto later = f.send(make_request("work"));
  CHECK(f.reply(later).code() == error_code::pool_failed);
  CHECK(f.reply(later).error().message == reply.error().message);
  CHECK(f.status().failed.code == error_code::pool_failed);
  f.wait(1min);
  CHECK(f.launcher().waiting().empty());
}

TEST_CASE("a failed pool probes with one worker and comes back once it starts",
          "[actors][failed]") {
  auto cfg = test_pool(1);
  cfg.max_restarts = 1;
  cfg.recovery_backoff = 1s;
  cfg.recovery_backoff_max = 4s;
  pool_fixture f{cfg};
  fail_next_start(f);
  fail_next_start(f);
  REQUIRE(f.status().failed.code == error_code::pool_failed);
  // The first probe comes after recovery_backoff, and fails.
  f.wait(999ms);
  CHECK(f.launcher().waiting().empty());
  f.wait(1ms);
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w3"});
  fail_next_start(f);
  CHECK(f.status().failed.code == error_code::pool_failed);
  // The next one comes after twice as long, and starts: the pool stops
  // the probe and starts its workers again.
  f.wait(1999ms);
  CHECK(f.launcher().waiting().empty());
  f.wait(1ms);
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w4"});
  f.start_workers();
  CHECK(f.launcher().stop_asked("p/w4"));
  CHECK(f.launcher().exit_stopped() == 1);
  CHECK(f.status().failed.code == error_code::none);
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w5"});
  f.start_workers();
  auto served = f.send(make_request("work"));
  f.channel("p/w5").succeed(f.only_call("p/w5"), "5");
  f.settle();
  CHECK(f.reply(served).ok());
  CHECK(f.status().ready == 1);
}

TEST_CASE("stopping a pool answers each request in flight exactly once",
          "[actors][shutdown]") {
  pool_fixture f{test_pool(2)};
  f.start_workers();
  auto finishes = f.send(make_request("work"));
  auto cut_off = f.send(make_request("work"));
  auto queued = f.send(make_request("work"));
  f.stop_pool();
  // The queue is answered at once; the workers are asked to stop.
  CHECK(f.reply(queued).code() == error_code::shutting_down);
  CHECK(f.launcher().stop_asked("p/w1"));
  CHECK(f.launcher().stop_asked("p/w2"));
  CHECK(f.unanswered() == 2);
  // Python finishes one call within its grace ...
  auto late_call = f.only_call("p/w2");
  f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
  f.settle();
  CHECK(f.reply(finishes).ok());
  // ... and the other is still running when the processes are gone.
  CHECK(f.launcher().exit_stopped() == 2);
  f.settle();
  CHECK(f.reply(cut_off).code() == error_code::shutting_down);
  REQUIRE(f.client().pool_exit.has_value());
  CHECK(*f.client().pool_exit == caf::exit_reason::user_shutdown);
  // A callback after the pool is gone changes nothing.
  f.channel("p/w2").succeed(late_call, "2");
  f.settle();
  CHECK(f.replies(cut_off).size() == 1);
  CHECK(f.launcher().waiting().empty());
}
