// Spares with real workers: a recycle swaps a ready spare in and a new
// spare starts behind it; under continuous load with worker_max_requests
// (and no lifecycle timer to speak of) workers are swapped out at their
// request limit, nothing is lost, and the overshoot is reported.

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "calls.hpp"
#include "echo_load.hpp"
#include "event_log.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;
namespace tel = snakepit::telemetry;

namespace {

/// Ids of `ws`.
std::set<std::string> ids_of(const std::vector<worker_snapshot>& ws) {
  std::set<std::string> out;
  for (const auto& w : ws)
    out.insert(w.id);
  return out;
}

} // namespace

TEST_CASE("spares: a manual recycle swaps the spare in at once and a new "
          "spare starts",
          "[integration][spares]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].spare_workers = 1;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  REQUIRE(eventually([&] { return host.status().spares.size() == 1; },
                     patience));
  auto before = host.status();
  auto old_id = before.workers.front().id;
  auto spare_id = before.spares.front().id;
  CHECK(before.ready == 1);
  CHECK(host.exec("ping")->worker == old_id);
  auto ack = host.client().recycle("default");
  REQUIRE(ack.ok());
  // The spare serves in the old worker's place; a new spare follows.
  REQUIRE(eventually(
    [&] {
      auto s = host.status();
      return ids_of(s.workers) == std::set<std::string>{spare_id}
             && s.spares.size() == 1 && s.spares.front().id != spare_id;
    },
    patience));
  CHECK(host.exec("ping")->worker == spare_id);
  CHECK(host.status().recycles.at("manual") == 1);
}

TEST_CASE("spares: under continuous load workers are swapped out at their "
          "request limit and no request is lost",
          "[integration][spares]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  auto& pool = cfg.pools[0];
  pool.spare_workers = 2;
  pool.worker_max_requests = 20;
  // Only the workers' own requests for a check recycle them.
  pool.lifecycle_interval = std::chrono::hours{1};
  host_fixture host{cfg};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  REQUIRE(eventually([&] { return host.status().spares.size() == 2; },
                     patience));

  constexpr size_t wanted_recycles = 6;
  std::atomic<bool> stop{false};
  std::atomic<int> min_ready{pool.size};
  std::mutex seen_mutex;
  std::set<std::string> seen_spares;
  std::set<std::string> seen_serving;
  // Slow enough for new spares to be ready before the next swap.
  echo_load load{host, {2, milliseconds{25}, false}};
  std::thread monitor([&] {
    while (!stop) {
      auto s = host.status();
      if (s.ready < min_ready)
        min_ready = s.ready;
      {
        std::lock_guard<std::mutex> guard{seen_mutex};
        for (const auto& id : ids_of(s.spares))
          seen_spares.insert(id);
        for (const auto& id : ids_of(s.workers))
          seen_serving.insert(id);
      }
      std::this_thread::sleep_for(milliseconds{10});
    }
  });
  bool enough = eventually(
    [&] {
      return events.of<tel::worker_recycled>().size() >= wanted_recycles;
    },
    std::chrono::seconds{120});
  stop = true;
  monitor.join();
  load.stop();
  REQUIRE(enough);

  CHECK(load.served == load.sent);
  CHECK(min_ready == pool.size);
  CHECK(each_answered_once(events, load));
  // Spares went into service.
  size_t promoted = 0;
  for (const auto& id : seen_spares)
    promoted += seen_serving.count(id);
  CHECK(promoted >= 2);
  uint64_t most = 0;
  for (const auto& ev : events.of<tel::worker_recycled>()) {
    CHECK(ev.reason == recycle_reason::max_requests);
    // 10% jitter around 20.
    CHECK(ev.request_limit >= 18);
    CHECK(ev.request_limit <= 22);
    CHECK(ev.requests >= ev.request_limit);
    CHECK(ev.overshoot == ev.requests - ev.request_limit);
    most = std::max(most, ev.overshoot);
  }
  auto status = host.status();
  CHECK(status.overshoot_max >= static_cast<int64_t>(most));
  CHECK(status.all_ready());
  CHECK(status.workers.size() == static_cast<size_t>(pool.size));
  events.cancel();
}
