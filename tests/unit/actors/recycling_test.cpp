// Recycling without Python: a worker's replacement is ready before the old
// worker is retired (make-before-break), a draining worker is killed at
// its drain deadline, a worker is recycled as soon as it reaches
// worker_max_requests and, on the lifecycle actor's timer, at worker_ttl.

#include <catch2/catch.hpp>

#include <algorithm>

#include <snakepit/telemetry/event_types.hpp>

#include "messages/atoms.hpp"
#include "pool_fixture.hpp"

using namespace snakepit;
using namespace snakepit::testing;
using namespace std::chrono_literals;

namespace {

/// Orders the recycle of `worker_id`, as `snakepit recycle` does.
void recycle(pool_fixture& f, const std::string& worker_id) {
  caf::anon_send(f.client().pool, recycle_atom::value, worker_id);
  f.settle();
}

/// The worker `id` in `s`; fails the test if absent.
const worker_snapshot& worker_in(const pool_snapshot& s,
                                 const std::string& id) {
  auto i = std::find_if(s.workers.begin(), s.workers.end(),
                        [&](const worker_snapshot& w) { return w.id == id; });
  REQUIRE(i != s.workers.end());
  return *i;
}

/// Ends the call of request `req` on the draining p/w1 and checks that p/w1
/// answered it and was retired after p/w2 was ready (make-before-break).
void finish_and_retire_w1(pool_fixture& f, int req) {
  f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
  f.settle();
  CHECK(f.reply(req).ok());
  CHECK(f.reply(req)->worker == "p/w1");
  CHECK(f.launcher().stop_asked("p/w1"));
  CHECK(f.launcher().exit_stopped() == 1);
  f.settle();
  CHECK(f.events()
        == std::vector<std::string>{"spawn p/w1", "connect p/w1",
                                    "spawn p/w2", "connect p/w2",
                                    "terminate p/w1"});
}

} // namespace

TEST_CASE("a recycled worker is retired only after its replacement is ready",
          "[actors][recycling]") {
  pool_fixture f{test_pool(1)};
  f.start_workers();
  auto before = f.send(make_request("work"));
  recycle(f, "p/w1");
  // The replacement is asked for; the old worker serves on meanwhile.
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w2"});
  CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  CHECK(f.status().ready == 1);
  CHECK_FALSE(worker_in(f.status(), "p/w1").draining);
  // Once the replacement is ready, the old one drains: no new requests,
  // and it stays up while its call runs.
  f.start_workers();
  CHECK(worker_in(f.status(), "p/w1").draining);
  auto after = f.send(make_request("work"));
  CHECK(f.channel("p/w2").running().size() == 1);
  CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  // Its call done, it is stopped.
  finish_and_retire_w1(f, before);
  // Nothing restarts the retired worker's slot; the replacement fills it.
  CHECK(f.launcher().waiting().empty());
  auto s = f.status();
  REQUIRE(s.workers.size() == 1);
  CHECK(s.workers.front().id == "p/w2");
  CHECK(f.inspection().recycles.at("manual") == 1);
  f.channel("p/w2").succeed(f.only_call("p/w2"), "2");
  f.settle();
  CHECK(f.reply(after)->worker == "p/w2");
}

TEST_CASE("a draining worker still busy at its drain deadline is killed",
          "[actors][recycling]") {
  auto cfg = test_pool(1);
  cfg.drain_timeout = 2s;
  pool_fixture f{cfg};
  f.start_workers();
  auto stuck = f.send(make_request("work"));
  recycle(f, "p/w1");
  f.start_workers();
  f.wait(1999ms);
  CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  CHECK(f.replies(stuck).empty());
  f.wait(1ms);
  CHECK(f.launcher().stop_asked("p/w1"));
  CHECK(f.events().back() == "kill p/w1");
  CHECK(f.reply(stuck).code() == error_code::worker_crashed);
  CHECK_THAT(f.reply(stuck).error().message,
             Catch::Contains("did not finish within drain_timeout (2000 ms)"));
  f.launcher().exit_stopped();
  f.settle();
  CHECK(f.launcher().waiting().empty());
  CHECK(f.status().ready == 1);
}

TEST_CASE("a worker reaching worker_max_requests is recycled at once, not "
          "at the lifecycle actor's next periodic check",
          "[actors][recycling]") {
  auto cfg = test_pool(1);
  cfg.worker_max_requests = 2;
  cfg.recycle_jitter = 0;
  cfg.lifecycle_interval = 1s;
  pool_fixture f{cfg};
  f.start_workers();
  auto first = f.send(make_request("work"));
  f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
  f.settle();
  CHECK(f.reply(first).ok());
  CHECK(f.launcher().waiting().empty());
  // The second request reaches the limit: the pool asks for a check, which
  // starts the replacement while p/w1 runs the call, no time passing.
  auto second = f.send(make_request("work"));
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w2"});
  CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
  f.settle();
  CHECK(f.reply(second)->worker == "p/w1");
  f.start_workers();
  CHECK(f.launcher().stop_asked("p/w1"));
  f.launcher().exit_stopped();
  f.settle();
  CHECK(f.inspection().recycles.at("max_requests") == 1);
  // The replacement is not due: later checks leave it alone.
  f.wait(5s);
  CHECK(f.launcher().waiting().empty());
  CHECK(f.status().workers.front().id == "p/w2");
}

TEST_CASE("the lifecycle actor recycles a worker at worker_ttl, "
          "make-before-break",
          "[actors][recycling]") {
  auto cfg = test_pool(1);
  cfg.worker_ttl = 10s;
  cfg.recycle_jitter = 0;
  cfg.lifecycle_interval = 1s;
  pool_fixture f{cfg};
  auto recycled = f.record<telemetry::worker_recycled>();
  // Ready 5 ms after the pool started; checks run each second from then.
  f.start_workers();
  auto busy = f.send(make_request("work"));
  // At the check 10 s after the start, p/w1 is 9.995 s old: not yet due.
  f.wait(10s);
  CHECK(f.launcher().waiting().empty());
  // At the next one it is: its replacement starts while it serves on.
  f.wait(1s);
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w2"});
  CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  f.start_workers();
  CHECK(worker_in(f.status(), "p/w1").draining);
  CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  // Its call done, it is retired.
  finish_and_retire_w1(f, busy);
  REQUIRE(recycled->size() == 1);
  CHECK(recycled->front().worker == "p/w1");
  CHECK(recycled->front().reason == recycle_reason::ttl);
  // 11 s of checks plus the replacement's 5 ms start-up (one ready poll).
  INFO("uptime " << recycled->front().uptime.count() << " ns");
  CHECK(recycled->front().uptime == 11s + 5ms);
  CHECK(f.inspection().recycles.at("ttl") == 1);
  // The replacement lives its own TTL.
  f.wait(9s);
  CHECK(f.launcher().waiting().empty());
  CHECK(f.status().workers.front().id == "p/w2");
}
