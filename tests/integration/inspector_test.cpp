// The inspector against a live pool under known load: slots and states,
// counts by category and reason, memory after `allocate`, CPU after
// `cpu_burn`, and the recommendations the figures lead to.

#include <catch2/catch.hpp>

#include "calls.hpp"
#include "core/recommendations.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;

namespace {

constexpr double mib = 1024.0 * 1024.0;

pool_snapshot inspect(host_fixture& host) {
  auto result = host.client().inspect("default");
  REQUIRE(result.ok());
  return *result;
}

const worker_snapshot& worker_named(const pool_snapshot& p,
                                      const std::string& id) {
  for (const auto& w : p.workers)
    if (w.id == id)
      return w;
  FAIL("no worker " << id);
  throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("inspector: a live pool's slots, states, counts and measurements",
          "[integration][inspector]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  cfg.pools[0].lifecycle_interval = milliseconds{100};
  cfg.pools[0].queue_size = 1;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());

  auto idle = inspect(host);
  CHECK(idle.name == "default");
  CHECK(idle.profile == "process");
  CHECK(idle.size == 2);
  CHECK(idle.ready == 2);
  CHECK(idle.starting == 0);
  CHECK(idle.total_slots == 2);
  CHECK(idle.busy_slots == 0);
  CHECK(idle.free_slots == 2);
  CHECK(idle.queue_size == 1);
  REQUIRE(idle.workers.size() == 2);
  for (const auto& w : idle.workers) {
    CHECK(std::string{state_of(w)} == "ready");
    CHECK(w.info.pid > 0);
    CHECK_FALSE(w.info.python_version.empty());
  }

  // Known load: one call holds a slot; the states and counts follow.
  REQUIRE(host.exec("add", R"({"a": 1, "b": 2})").ok());
  REQUIRE(host.exec("fail").code() == error_code::python_error);
  auto slow = exec_async(host, make_request("", "sleep", sleep_args(1500)));
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }));
  auto busy = inspect(host);
  CHECK(busy.busy_slots == 1);
  CHECK(busy.utilization == Approx(0.5));
  CHECK(std::count_if(busy.workers.begin(), busy.workers.end(),
                      [](const auto& w) {
                        return std::string{state_of(w)} == "busy";
                      })
        == 1);
  CHECK(busy.requests_answered == 2);
  CHECK(busy.errors == std::map<std::string, int64_t>{{"python_error", 1}});
  CHECK(slow.get().ok());

  // Memory: the lifecycle actor samples PSS, USS and RSS of each process.
  REQUIRE(eventually([&] {
    auto p = inspect(host);
    return p.window_samples >= 3 && p.workers[0].memory.pss_bytes > 0;
  }));
  std::map<std::string, uint64_t> before;
  for (const auto& w : inspect(host).workers)
    before[w.id] = w.memory.pss_bytes;
  auto reply = host.exec("allocate", R"({"mb": 120})");
  REQUIRE(reply.ok());
  REQUIRE(before.count(reply->worker) == 1);
  REQUIRE(eventually([&] {
    auto w = worker_named(inspect(host), reply->worker);
    return w.memory.pss_bytes > before[reply->worker] + 100 * mib;
  }));
  auto grown = worker_named(inspect(host), reply->worker);
  CHECK(grown.memory.uss_bytes > 100 * mib);
  CHECK(grown.memory.rss_bytes >= grown.memory.pss_bytes);
  CHECK(grown.memory_baseline_bytes > 0);

  // CPU: a worker burning CPU shows close to one core.
  auto burn = exec_async(host, make_request("", "cpu_burn", R"({"ms": 1500})"));
  CHECK(eventually([&] {
    for (const auto& w : inspect(host).workers)
      if (w.cpu_cores > 0.5)
        return true;
    return false;
  }));
  CHECK(burn.get().ok());

  // Forced recycles are counted by reason, and a crash by its own.
  REQUIRE(host.client().recycle("default", reply->worker).ok());
  REQUIRE(eventually([&] { return inspect(host).recycles.count("manual"); },
                     patience));
  CHECK(host.exec("crash").code() == error_code::worker_crashed);
  REQUIRE(eventually([&] {
    auto p = inspect(host);
    return p.recycles.count("crashed") > 0 && p.ready == 2;
  }, patience));
  auto after = inspect(host);
  CHECK(after.recycles.at("manual") == 1);
  CHECK(after.recycles.at("crashed") == 1);
  CHECK(after.errors.at("worker_crashed") == 1);
  CHECK(after.uptime_seconds > 1);
}

TEST_CASE("inspector: recommendations follow from the measured figures",
          "[integration][inspector]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].lifecycle_interval = milliseconds{50};
  cfg.pools[0].queue_size = 1;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());

  // A saturated single-worker pool: every slot busy, a request refused.
  auto first = exec_async(host, make_request("", "sleep", sleep_args(6000)));
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }));
  auto queued = exec_async(host, make_request("", "sleep", sleep_args(10)));
  REQUIRE(eventually([&] { return host.status().queue_depth == 1; }));
  CHECK(host.exec("ping").code() == error_code::pool_saturated);
  // The window (60 samples) still holds the idle ones taken before the
  // call; on a loaded machine they can be many. Within the call's 6 s the
  // busy samples outweigh them.
  REQUIRE(eventually([&] {
    auto s = inspect(host);
    return s.window_samples >= 40 && s.utilization_mean >= 0.8;
  }, milliseconds{5500}));
  auto p = inspect(host);
  CHECK(p.saturated == 1);
  auto advice = recommend(p);
  auto has = [&](const std::string& rule) {
    return std::any_of(advice.begin(), advice.end(),
                       [&](const auto& r) { return r.rule == rule; });
  };
  CHECK(has("queue_saturation"));
  CHECK(has("utilization_high"));
  CHECK(first.get().ok());
  CHECK(queued.get().ok());
}
