// Recycling with real workers: make-before-break under continuous load with
// nothing lost, memory (PSS) over the threshold, over the threshold at
// birth, TTL, manual recycles, and the drain of calls in flight.

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "calls.hpp"
#include "echo_load.hpp"
#include "event_log.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;
namespace tel = snakepit::telemetry;

namespace {

constexpr double mib = 1024.0 * 1024.0;

/// The worker.recycled events with reason `reason`.
std::vector<tel::worker_recycled> recycled(const event_log& log,
                                           recycle_reason reason) {
  std::vector<tel::worker_recycled> out;
  for (auto& ev : log.of<tel::worker_recycled>())
    if (ev.reason == reason)
      out.push_back(std::move(ev));
  return out;
}

/// The one worker of a size-1 pool.
worker_snapshot only_worker(host_fixture& host) {
  auto s = host.status();
  REQUIRE(s.workers.size() == 1);
  return s.workers.front();
}

/// Waits until the pool's one worker is no longer `old_id` and serves.
void await_replacement(host_fixture& host, const std::string& old_id) {
  REQUIRE(eventually(
    [&] {
      auto s = host.status();
      return s.workers.size() == 1 && s.workers[0].id != old_id;
    },
    patience));
  auto reply = host.exec("ping");
  REQUIRE(reply.ok());
  CHECK(reply->worker != old_id);
}

} // namespace

TEST_CASE("recycling: under continuous load every worker is recycled many "
          "times and no request is lost",
          "[integration][recycling]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  auto& pool = cfg.pools[0];
  pool.worker_max_requests = 15;
  pool.lifecycle_interval = milliseconds{50};
  host_fixture host{cfg};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());

  constexpr int wanted_recycles = 8;
  std::atomic<bool> stop{false};
  std::atomic<int> min_ready{pool.size};
  echo_load load{host, {4, milliseconds{2}, false}};
  // Make-before-break: the pool never has fewer ready workers than its size.
  std::thread monitor([&] {
    while (!stop) {
      auto ready = host.status().ready;
      if (ready < min_ready)
        min_ready = ready;
      std::this_thread::sleep_for(milliseconds{10});
    }
  });
  bool enough = eventually(
    [&] {
      return recycled(events, recycle_reason::max_requests).size()
             >= wanted_recycles;
    },
    std::chrono::seconds{120});
  stop = true;
  monitor.join();
  load.stop();
  REQUIRE(enough);

  CHECK(load.served == load.sent);
  CHECK(min_ready == pool.size);
  // Every request was answered exactly once: one request.executed each.
  CHECK(each_answered_once(events, load));
  for (const auto& ev : recycled(events, recycle_reason::max_requests)) {
    // Jitter is 10%: a worker goes after 14 to 17 requests, give or take
    // the requests that arrive while its replacement starts.
    CHECK(ev.requests >= 13);
    CHECK(ev.memory_bytes > 0);
  }
  // Every recycled worker and its replacement started; the pool is whole.
  CHECK(events.of<tel::worker_started>().size()
        >= static_cast<size_t>(pool.size + wanted_recycles));
  auto status = host.status();
  CHECK(status.all_ready());
  CHECK(status.ready == pool.size);
  CHECK(status.workers.size() == static_cast<size_t>(pool.size));
  events.cancel();
}

TEST_CASE("recycling: a worker whose PSS passes the threshold is replaced "
          "(reason memory)",
          "[integration][recycling]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  auto& pool = cfg.pools[0];
  pool.memory_threshold_mb = 150;
  pool.recycle_jitter = 0;
  pool.lifecycle_interval = milliseconds{100};
  host_fixture host{cfg};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  REQUIRE(eventually([&] { return only_worker(host).memory.pss_bytes > 0; }));
  auto before = only_worker(host);
  INFO("baseline PSS " << before.memory.pss_bytes / mib << " MiB");
  REQUIRE(before.memory.pss_bytes < 150 * mib);

  REQUIRE(host.exec("allocate", R"({"mb": 200})").ok());
  REQUIRE(eventually(
    [&] { return !recycled(events, recycle_reason::memory).empty(); },
    patience));
  auto ev = recycled(events, recycle_reason::memory).front();
  CHECK(ev.worker == before.id);
  CHECK(ev.memory_bytes > 150 * mib);
  CHECK(ev.requests == 1);
  await_replacement(host, before.id);
  CHECK(eventually([&] { return process_gone(before.info.pid); }));
  CHECK(events.of<tel::worker_memory_over_limit>().empty());
  events.cancel();
}

TEST_CASE("recycling: a worker over the threshold at birth is reported once "
          "and keeps serving",
          "[integration][recycling]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  auto& pool = cfg.pools[0];
  pool.memory_threshold_mb = 1;
  pool.lifecycle_interval = milliseconds{50};
  host_fixture host{cfg};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  auto worker = only_worker(host);
  REQUIRE(eventually([&] {
    return !events.of<tel::worker_memory_over_limit>().empty();
  }));
  // Twenty more checks: still one report, no recycle, the same worker.
  std::this_thread::sleep_for(milliseconds{1000});
  auto reports = events.of<tel::worker_memory_over_limit>();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].worker == worker.id);
  CHECK(reports[0].memory_bytes > mib);
  CHECK(reports[0].threshold_bytes <= 1.1 * mib);
  CHECK(events.of<tel::worker_recycled>().empty());
  auto reply = host.exec("ping");
  CHECK(reply.ok());
  CHECK(reply->worker == worker.id);
  events.cancel();
}

TEST_CASE("recycling: a worker is replaced once its TTL has passed",
          "[integration][recycling]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  auto& pool = cfg.pools[0];
  pool.worker_ttl = milliseconds{1000};
  pool.recycle_jitter = 0;
  pool.lifecycle_interval = milliseconds{50};
  host_fixture host{cfg};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  auto first = only_worker(host);
  REQUIRE(eventually(
    [&] { return !recycled(events, recycle_reason::ttl).empty(); },
    patience));
  auto ev = recycled(events, recycle_reason::ttl).front();
  CHECK(ev.worker == first.id);
  CHECK(ev.uptime >= std::chrono::seconds{1});
  await_replacement(host, first.id);
  events.cancel();
}

TEST_CASE("recycling: a manual recycle returns at once and lets the call in "
          "flight finish",
          "[integration][recycling]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  captured_log log;
  host_fixture host{cfg};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  auto old = only_worker(host);

  auto bad = host.client().recycle("default", "default/w99");
  REQUIRE(!bad);
  CHECK(bad.code() == error_code::invalid_arguments);
  CHECK_THAT(bad.error().message,
             Catch::Contains("no worker \"default/w99\"")
               && Catch::Contains(old.id));
  auto missing = host.client().recycle("nope");
  REQUIRE(!missing);
  CHECK(missing.code() == error_code::pool_not_found);

  auto call = exec_async(host, make_request("", "sleep", sleep_args(1500)));
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }));
  auto ack = host.client().recycle("default");
  REQUIRE(ack.ok());
  CHECK(ack->workers
        == std::vector<std::string>{old.id});
  // The replacement starts while the old worker finishes its call.
  auto reply = call.get();
  CHECK(reply.ok());
  CHECK(reply->worker == old.id);
  REQUIRE(eventually(
    [&] { return !recycled(events, recycle_reason::manual).empty(); },
    patience));
  await_replacement(host, old.id);
  CHECK(eventually([&] { return process_gone(old.info.pid); }));
  events.cancel();
  // The replacement fills the slot of the worker it replaces: still one
  // of one ready, though both ran for a while.
  INFO(log.text());
  CHECK(log.matching({"workers ready"}).size() == 2);
  CHECK(log.matching({"1/1 workers ready"}).size() == 2);
}

TEST_CASE("recycling: a call that outlasts drain_timeout fails and the old "
          "worker is killed",
          "[integration][recycling]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].drain_timeout = milliseconds{300};
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  auto old = only_worker(host);
  auto call = exec_async(host, make_request("", "sleep", sleep_args(8000)));
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }));
  REQUIRE(host.client().recycle("default", old.id).ok());
  auto reply = call.get();
  CHECK(reply.code() == error_code::worker_crashed);
  CHECK_THAT(reply.error().message,
             Catch::Contains("recycled (manual)")
               && Catch::Contains("drain_timeout"));
  await_replacement(host, old.id);
  CHECK(eventually([&] { return process_gone(old.info.pid); }));
}
