// Spares without Python: ready workers kept out of routing; a recycle swaps
// the oldest in at once (the supervisor moves it into the recycled
// worker's slot) and a new spare starts behind it; recycles may then run
// beyond max_concurrent_recycles, within the spares; a worker at its
// request limit is recycled without waiting for the lifecycle timer.

#include <catch2/catch.hpp>

#include <snakepit/telemetry/event_types.hpp>

#include "messages/atoms.hpp"
#include "pool_fixture.hpp"

using namespace snakepit;
using namespace snakepit::testing;
using namespace std::chrono_literals;

namespace {

/// Ids of `ws`, in order.
std::vector<std::string> ids_of(const std::vector<worker_snapshot>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws)
    out.push_back(w.id);
  return out;
}

using ids = std::vector<std::string>;

/// Orders the recycle of `worker_id` (empty: all), as `snakepit recycle`.
void recycle(pool_fixture& f, const std::string& worker_id) {
  caf::anon_send(f.client().pool, recycle_atom::value, worker_id);
  f.settle();
}

} // namespace

TEST_CASE("a spare is ready out of routing and a recycle swaps it in at once",
          "[actors][spares]") {
  auto cfg = test_pool(1);
  cfg.spare_workers = 1;
  pool_fixture f{cfg};
  CHECK(f.start_workers() == ids{"p/w1", "p/w2"});
  auto s = f.status();
  CHECK(s.ready == 1);
  CHECK(s.spare_workers == 1);
  CHECK(ids_of(s.workers) == ids{"p/w1"});
  CHECK(ids_of(s.spares) == ids{"p/w2"});
  // Requests go to the worker, never to the spare.
  auto first = f.send(make_request("work"));
  auto queued = f.send(make_request("work"));
  CHECK(f.channel("p/w1").running().size() == 1);
  CHECK(f.channel("p/w2").running().empty());
  // The recycle swaps the spare in: it takes the queued request while the
  // busy p/w1 drains, and the next spare starts.
  recycle(f, "p/w1");
  s = f.status();
  CHECK(ids_of(s.workers) == ids{"p/w1", "p/w2"});
  CHECK(s.workers.front().draining);
  CHECK(s.ready == 1);
  CHECK(s.spares.empty());
  CHECK(f.channel("p/w2").running().size() == 1);
  CHECK(f.launcher().waiting() == ids{"p/w3"});
  f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
  f.settle();
  CHECK(f.reply(first)->worker == "p/w1");
  CHECK(f.launcher().stop_asked("p/w1"));
  f.launcher().exit_stopped();
  CHECK(f.start_workers() == ids{"p/w3"});
  s = f.status();
  CHECK(ids_of(s.workers) == ids{"p/w2"});
  CHECK(ids_of(s.spares) == ids{"p/w3"});
  CHECK(f.inspection().recycles.at("manual") == 1);
  f.channel("p/w2").succeed(f.only_call("p/w2"), "2");
  f.settle();
  CHECK(f.reply(queued)->worker == "p/w2");
}

TEST_CASE("the swapped-in spare is its slot's worker: its crash restarts "
          "the slot, and a crashed spare is restarted as a spare",
          "[actors][spares]") {
  auto cfg = test_pool(1);
  cfg.spare_workers = 1;
  pool_fixture f{cfg};
  f.start_workers();
  process::exit_info crashed;
  crashed.signal = 9;
  f.launcher().exit("p/w2", crashed);
  f.settle();
  CHECK(f.status().spares.empty());
  CHECK(f.launcher().waiting() == ids{"p/w3"});
  f.start_workers();
  recycle(f, "p/w1");
  f.launcher().exit_stopped();
  CHECK(f.start_workers() == ids{"p/w4"});
  f.launcher().exit("p/w3", crashed);
  f.settle();
  // p/w3 serves in p/w1's slot now: that slot starts p/w5.
  CHECK(f.launcher().waiting() == ids{"p/w5"});
  CHECK(f.start_workers() == ids{"p/w5"});
  auto s = f.status();
  CHECK(ids_of(s.workers) == ids{"p/w5"});
  CHECK(ids_of(s.spares) == ids{"p/w4"});
}

TEST_CASE("recycles run beyond max_concurrent_recycles within the spares",
          "[actors][spares]") {
  auto cfg = test_pool(3);
  cfg.spare_workers = 1;
  cfg.max_concurrent_recycles = 1;
  pool_fixture f{cfg};
  f.start_workers();
  recycle(f, "");
  // Two recycles at once: one swaps the spare in (and starts the next
  // spare), one starts a replacement; the third worker waits its turn.
  CHECK(f.launcher().waiting().size() == 2);
  for (int round = 0; round < 4; ++round) {
    f.launcher().exit_stopped();
    f.start_workers();
  }
  auto s = f.status();
  CHECK(s.ready == 3);
  CHECK(s.spares.size() == 1);
  CHECK(f.inspection().recycles.at("manual") == 3);
  for (const auto& w : s.workers)
    CHECK((w.id != "p/w1" && w.id != "p/w2" && w.id != "p/w3"));
}

TEST_CASE("a worker at its request limit is swapped out without waiting for "
          "the lifecycle timer, and worker.recycled reports its limit",
          "[actors][spares]") {
  auto cfg = test_pool(1);
  cfg.spare_workers = 1;
  cfg.worker_max_requests = 3;
  cfg.recycle_jitter = 0;
  pool_fixture f{cfg};
  auto recycled = f.record<telemetry::worker_recycled>();
  f.start_workers();
  CHECK(f.status().workers.front().request_limit == 3);
  for (int i = 0; i < 3; ++i) {
    auto tag = f.send(make_request("work"));
    f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
    f.settle();
    CHECK(f.reply(tag)->worker == "p/w1");
  }
  // No timer ran (lifecycle_interval is an hour): the third dispatch asked
  // for the check.
  f.launcher().exit_stopped();
  f.settle();
  auto s = f.status();
  CHECK(ids_of(s.workers) == ids{"p/w2"});
  REQUIRE(recycled->size() == 1);
  CHECK(recycled->front().worker == "p/w1");
  CHECK(recycled->front().reason == recycle_reason::max_requests);
  CHECK(recycled->front().requests == 3);
  CHECK(recycled->front().request_limit == 3);
  CHECK(recycled->front().overshoot == 0);
  CHECK(s.overshoot_max == 0);
  auto next = f.send(make_request("work"));
  f.channel("p/w2").succeed(f.only_call("p/w2"), "2");
  f.settle();
  CHECK(f.reply(next)->worker == "p/w2");
}
