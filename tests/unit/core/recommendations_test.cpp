#include "core/recommendations.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace snakepit;

namespace {

constexpr uint64_t mib = 1024 * 1024;

// A calm process pool: a full window, nothing busy, 40 MiB per worker.
pool_snapshot process_pool(int size) {
  pool_snapshot p;
  p.name = "default";
  p.profile = "process";
  p.size = size;
  p.ready = size;
  p.threads_per_worker = 1;
  p.total_slots = size;
  p.window_samples = 60;
  p.window_seconds = 59;
  p.queue_size = 1000;
  p.requests_answered = 1000;
  for (int i = 0; i < size; ++i) {
    worker_snapshot w;
    w.id = "default/w" + std::to_string(i + 1);
    w.memory.pss_bytes = 40 * mib;
    w.memory_baseline_bytes = 40 * mib;
    w.cpu_cores = 0.1;
    w.info.python_version = "3.12.1";
    p.workers.push_back(w);
  }
  return p;
}

pool_snapshot thread_pool(int size, int threads) {
  auto p = process_pool(size);
  p.profile = "thread";
  p.threads_per_worker = threads;
  p.total_slots = size * threads;
  for (auto& w : p.workers)
    w.info.slots = threads;
  return p;
}

std::string evidence(const recommendation& r, const std::string& key) {
  for (const auto& [k, v] : r.evidence)
    if (k == key)
      return v;
  return "<missing " + key + ">";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// True when there is a finding and it is of `rule` at `level`.
bool is(const std::optional<recommendation>& r, const std::string& rule,
        severity level) {
  return r && r->rule == rule && r->level == level;
}

// Worker `i` of `p` grew from `from` to `to` MiB, at `per_hour` MiB an hour.
worker_snapshot& grow(pool_snapshot& p, size_t i, uint64_t from,
                        uint64_t to, double per_hour) {
  auto& w = p.workers.at(i);
  w.memory_baseline_bytes = from * mib;
  w.memory.pss_bytes = to * mib;
  w.memory_growth_bytes_per_hour = per_hour * mib;
  return w;
}

} // namespace

TEST_CASE("severity names are stable", "[recommendations]") {
  CHECK(to_string(severity::info) == "info");
  CHECK(to_string(severity::warning) == "warning");
  CHECK(to_string(severity::critical) == "critical");
}

TEST_CASE("utilization_high sizes the pool for 60% utilization",
          "[recommendations]") {
  auto p = process_pool(4);
  p.utilization_mean = 0.85;
  p.utilization_peak = 1.0;
  auto r = check_utilization(p);
  REQUIRE(is(r, "utilization_high", severity::warning));
  CHECK(contains(r->summary, "\"default\""));
  CHECK(contains(r->summary, "85%"));
  CHECK(evidence(*r, "utilization_mean") == "85%");
  CHECK(evidence(*r, "busy_slots_mean") == "3.4 of 4");
  // 3.4 busy slots / 0.6 = 5.7 -> 6 workers.
  CHECK(contains(r->action, "Raise `size` to 6"));
}

TEST_CASE("utilization_high boundaries", "[recommendations]") {
  auto p = process_pool(3);
  p.utilization_mean = 0.8;
  auto r = check_utilization(p);
  REQUIRE(is(r, "utilization_high", severity::warning));
  // 2.4 / 0.6 is exactly 4, not 5.
  CHECK(contains(r->action, "Raise `size` to 4:"));

  p.utilization_mean = 0.9;
  CHECK(check_utilization(p)->level == severity::critical);

  p.utilization_mean = 0.8;
  p.queue_depth = 3;
  r = check_utilization(p);
  CHECK(r->level == severity::critical);
  CHECK(contains(r->summary, "3 requests queued"));

  p.utilization_mean = 0.79;
  CHECK_FALSE(check_utilization(p));

  p.utilization_mean = 0.95;
  p.window_samples = 4;
  CHECK_FALSE(check_utilization(p));
}

TEST_CASE("utilization_high offers threads or workers in the thread profile",
          "[recommendations]") {
  auto p = thread_pool(2, 4);
  p.utilization_mean = 0.9;
  auto r = check_utilization(p);
  REQUIRE(r);
  // 7.2 busy slots / 0.6 = 12 slots: 6 threads on 2 workers, or 3 workers.
  CHECK(contains(r->action, "`threads_per_worker` to 6 (at size = 2)"));
  CHECK(contains(r->action, "`size` to 3 (at threads_per_worker = 4)"));
}

TEST_CASE("utilization_low lowers size and counts the PSS saved",
          "[recommendations]") {
  auto p = process_pool(8);
  p.window_samples = 30;
  p.utilization_peak = 0.2;
  auto r = check_utilization_low(p);
  REQUIRE(is(r, "utilization_low", severity::info));
  CHECK(contains(r->summary, "20%"));
  CHECK(evidence(*r, "worker_pss_mean") == "40.0 MiB");
  // Peak 1.6 busy / 0.6 = 2.7 -> 3 workers; 5 x 40 MiB saved.
  CHECK(contains(r->action, "Lower `size` to 3"));
  CHECK(contains(r->action, "5 x 40.0 MiB = 200.0 MiB"));

  p.utilization_peak = 0;
  CHECK(contains(check_utilization_low(p)->action, "`size` to 1"));
}

TEST_CASE("utilization_low boundaries", "[recommendations]") {
  auto p = process_pool(8);
  p.utilization_peak = 0.25;
  CHECK_FALSE(check_utilization_low(p));
  p.utilization_peak = 0.2;
  p.window_samples = 29;
  CHECK_FALSE(check_utilization_low(p));
  p.window_samples = 30;
  p.size = 1;
  CHECK_FALSE(check_utilization_low(p));
  // Nothing to lower when the peak still needs every worker.
  auto q = process_pool(2);
  q.utilization_peak = 0.24;
  recommendation_thresholds t;
  t.target_utilization = 0.2;
  CHECK_FALSE(check_utilization_low(q, t));
}

TEST_CASE("utilization_low in the thread profile keeps the threads",
          "[recommendations]") {
  auto p = thread_pool(2, 8);
  p.utilization_peak = 0.1;
  auto r = check_utilization_low(p);
  REQUIRE(r);
  CHECK(contains(r->action, "`size` to 1 (at threads_per_worker = 8)"));
}

TEST_CASE("queue_saturation is critical above 1% of the requests",
          "[recommendations]") {
  auto p = process_pool(2);
  p.saturated = 5;
  auto r = check_queue_saturation(p);
  REQUIRE(is(r, "queue_saturation", severity::warning));
  CHECK(evidence(*r, "saturated") == "5");
  CHECK(evidence(*r, "queue_size") == "1000");
  CHECK(evidence(*r, "requests_answered") == "1000");
  CHECK(contains(r->action, "Raise `queue_size` to 2000"));

  p.saturated = 10;
  CHECK(check_queue_saturation(p)->level == severity::warning);
  p.saturated = 11;
  CHECK(check_queue_saturation(p)->level == severity::critical);
  p.saturated = 0;
  CHECK_FALSE(check_queue_saturation(p));
}

TEST_CASE("queue_saturation of a busy pool points at size",
          "[recommendations]") {
  auto p = process_pool(2);
  p.saturated = 3;
  p.utilization_mean = 0.85;
  auto r = check_queue_saturation(p);
  REQUIRE(r);
  CHECK(evidence(*r, "utilization_mean") == "85%");
  CHECK(contains(r->action, "raise `size`"));
  CHECK_FALSE(contains(r->action, "`queue_size` to"));
}

TEST_CASE("memory_high near memory_threshold_mb", "[recommendations]") {
  auto p = process_pool(3);
  p.memory_threshold_mb = 500;
  p.workers[1].memory.pss_bytes = 400 * mib;
  auto r = check_memory_high(p);
  REQUIRE(is(r, "memory_high", severity::warning));
  CHECK(contains(r->summary, "\"default/w2\""));
  CHECK(contains(r->summary, "400.0 MiB"));
  CHECK(contains(r->summary, "80%"));
  CHECK(evidence(*r, "workers_over") == "1 of 3");
  CHECK(contains(r->action, "Nothing if it is rare"));

  p.workers[1].memory.pss_bytes = 400 * mib - 1;
  CHECK_FALSE(check_memory_high(p));
}

TEST_CASE("memory_high when the workers start near the threshold",
          "[recommendations]") {
  auto p = process_pool(3);
  p.memory_threshold_mb = 500;
  for (auto& w : p.workers) {
    w.memory_baseline_bytes = 420 * mib;
    w.memory.pss_bytes = 450 * mib;
  }
  auto r = check_memory_high(p);
  REQUIRE(r);
  CHECK(evidence(*r, "workers_over") == "3 of 3");
  CHECK(contains(r->action, "`memory_threshold_mb = 630`"));
}

TEST_CASE("memory_high without a threshold suggests one",
          "[recommendations]") {
  auto p = process_pool(3);
  p.workers[0].memory_baseline_bytes = 600 * mib;
  p.workers[1].memory_baseline_bytes = 800 * mib;
  p.workers[2].memory_baseline_bytes = 900 * mib;
  p.workers[2].memory.pss_bytes = 1024 * mib;
  auto r = check_memory_high(p);
  REQUIRE(r);
  CHECK(contains(r->summary, "1024.0 MiB"));
  CHECK(contains(r->summary, "no memory_threshold_mb"));
  // 1.5 x the median baseline (800 MiB).
  CHECK(contains(r->action, "`memory_threshold_mb = 1200`"));

  p.workers[2].memory.pss_bytes = 1024 * mib - 1;
  CHECK_FALSE(check_memory_high(p));
}

TEST_CASE("memory_growing computes both recycling limits",
          "[recommendations]") {
  auto p = process_pool(2);
  auto& w = grow(p, 1, 100, 132, 16.0);
  w.requests_dispatched = 1000;
  w.uptime_seconds = 7200;
  auto r = check_memory_growing(p);
  REQUIRE(is(r, "memory_growing", severity::warning));
  CHECK(contains(r->summary, "\"default/w2\""));
  CHECK(contains(r->summary, "16.0 MiB/h"));
  CHECK(evidence(*r, "memory_growth") == "16.0 MiB/h");
  CHECK(evidence(*r, "uptime") == "2.0 h");
  // 100 MiB + 4 h x 16 MiB/h.
  CHECK(contains(r->action, "`memory_threshold_mb = 164`"));
  // 1000 requests over 32 MiB: 31.25 per MiB x 64 MiB.
  CHECK(contains(r->action, "`worker_max_requests = 2000`"));

  w.memory_growth_bytes_per_hour = 15.9 * mib;
  CHECK_FALSE(check_memory_growing(p));
}

TEST_CASE("memory_growing scales with a large baseline", "[recommendations]") {
  auto p = process_pool(1);
  // 10% of a 400 MiB baseline: 40 MiB/h, above the 16 MiB/h floor.
  grow(p, 0, 400, 440, 39.9);
  CHECK_FALSE(check_memory_growing(p));
  grow(p, 0, 400, 440, 40.0);
  CHECK(check_memory_growing(p));
}

TEST_CASE("memory_growing suggests only the limits not set",
          "[recommendations]") {
  auto p = process_pool(1);
  grow(p, 0, 100, 132, 20.0).requests_dispatched = 1000;
  p.memory_threshold_mb = 300;
  auto r = check_memory_growing(p);
  REQUIRE(r);
  CHECK_FALSE(contains(r->action, "memory_threshold_mb ="));
  CHECK(contains(r->action, "`worker_max_requests = "));

  p.worker_max_requests = 5000;
  r = check_memory_growing(p);
  CHECK(contains(r->action, "Both recycling limits are set"));
}

TEST_CASE("gil_cpu_bound suggests the process profile", "[recommendations]") {
  auto p = thread_pool(1, 8);
  p.busy_slots = 4;
  p.workers[0].busy = 4;
  p.workers[0].cpu_cores = 0.97;
  auto r = check_gil_cpu_bound(p);
  REQUIRE(is(r, "gil_cpu_bound", severity::warning));
  CHECK(contains(r->summary, "0.97 cores"));
  CHECK(evidence(*r, "busy_slots") == "4 of 8");
  CHECK(contains(r->action, "`profile = \"process\"` and `size = 4`"));

  p.workers[0].cpu_cores = 0.85;
  CHECK(check_gil_cpu_bound(p));
}

TEST_CASE("gil_cpu_bound boundaries", "[recommendations]") {
  auto p = thread_pool(1, 8);
  auto& w = p.workers[0];
  w.busy = 4;
  w.cpu_cores = 0.84;
  CHECK_FALSE(check_gil_cpu_bound(p));
  w.cpu_cores = 0.3;
  CHECK_FALSE(check_gil_cpu_bound(p));
  w.cpu_cores = 1.9;
  w.info.gil_enabled = false;
  w.info.free_threaded_build = true;
  CHECK_FALSE(check_gil_cpu_bound(p));
  w.info.gil_enabled = true;
  w.busy = 1;
  CHECK_FALSE(check_gil_cpu_bound(p));
  auto q = process_pool(2);
  q.workers[0].busy = 2;
  q.workers[0].cpu_cores = 1.0;
  CHECK_FALSE(check_gil_cpu_bound(q));
}

TEST_CASE("idle_process_workers projects a thread worker's memory",
          "[recommendations]") {
  auto p = process_pool(8);
  p.utilization_peak = 0.5;
  auto r = check_idle_process_workers(p);
  REQUIRE(is(r, "idle_process_workers", severity::info));
  CHECK(evidence(*r, "worker_pss_total") == "320.0 MiB");
  // Peak 4 busy slots x 1.5 = 6 threads: 40 + 6 x 8 = 88 MiB.
  CHECK(evidence(*r, "projected_pss") == "88.0 MiB (estimate)");
  CHECK(contains(r->action, "`threads_per_worker = 6`"));
  CHECK(contains(r->action, "saving about 232.0 MiB"));
  CHECK(contains(r->action, "docs/thread_safety.md"));
}

TEST_CASE("idle_process_workers boundaries", "[recommendations]") {
  auto p = process_pool(8);
  p.utilization_peak = 0.51;
  CHECK_FALSE(check_idle_process_workers(p));
  p.utilization_peak = 0.3;
  p.window_samples = 29;
  CHECK_FALSE(check_idle_process_workers(p));
  p.window_samples = 30;
  for (auto& w : p.workers)
    w.memory.pss_bytes = 0;
  CHECK_FALSE(check_idle_process_workers(p));
  auto small = process_pool(3);
  CHECK_FALSE(check_idle_process_workers(small));
  CHECK(check_idle_process_workers(process_pool(4)));
  CHECK_FALSE(check_idle_process_workers(thread_pool(4, 1)));
}

TEST_CASE("threads_per_worker_range warns above 64 threads",
          "[recommendations]") {
  auto p = thread_pool(1, 65);
  p.utilization_peak = 0.9;
  auto r = check_threads_per_worker_range(p);
  REQUIRE(is(r, "threads_per_worker_range", severity::warning));
  CHECK(contains(r->action, "`threads_per_worker = 64` and `size = 2`"));
  CHECK(contains(r->action, "keep 65 slots"));

  auto q = thread_pool(1, 64);
  q.utilization_peak = 0.9;
  CHECK_FALSE(check_threads_per_worker_range(q));
}

TEST_CASE("threads_per_worker_range lowers threads the peak never uses",
          "[recommendations]") {
  auto p = thread_pool(1, 16);
  p.utilization_peak = 3.0 / 16;
  auto r = check_threads_per_worker_range(p);
  REQUIRE(is(r, "threads_per_worker_range", severity::info));
  CHECK(evidence(*r, "busy_slots_peak") == "3.0 of 16");
  // 3 busy / 0.6 = 5 threads.
  CHECK(contains(r->action, "Lower `threads_per_worker` to 5 (at size = 1)"));

  p.utilization_peak = 4.0 / 16;
  CHECK_FALSE(check_threads_per_worker_range(p));
  p.utilization_peak = 3.0 / 16;
  p.window_samples = 29;
  CHECK_FALSE(check_threads_per_worker_range(p));
}

TEST_CASE("threads_per_worker_range raises threads for I/O-bound work",
          "[recommendations]") {
  auto p = thread_pool(1, 8);
  p.utilization_mean = 0.85;
  p.utilization_peak = 1.0;
  p.workers[0].cpu_cores = 0.2;
  auto r = check_threads_per_worker_range(p);
  REQUIRE(is(r, "threads_per_worker_range", severity::info));
  CHECK(evidence(*r, "cpu_max") == "0.20 cores");
  // 6.8 busy / 0.6 = 11.3 -> 12 threads.
  CHECK(contains(r->action, "Raise `threads_per_worker` to 12"));

  p.workers[0].cpu_cores = 0.5;
  CHECK_FALSE(check_threads_per_worker_range(p));
  p.workers[0].cpu_cores = 0.2;
  p.workers[0].info.gil_enabled = false;
  CHECK_FALSE(check_threads_per_worker_range(p));
  p.workers[0].info.gil_enabled = true;
  p.utilization_mean = 0.79;
  CHECK_FALSE(check_threads_per_worker_range(p));
  CHECK_FALSE(check_threads_per_worker_range(process_pool(2)));
}

TEST_CASE("failures_recurring counts replaced workers by reason",
          "[recommendations]") {
  auto p = process_pool(2);
  p.recycles = {{"crashed", 2}, {"timeout", 1}, {"memory", 7}};
  auto r = check_failures_recurring(p);
  REQUIRE(is(r, "failures_recurring", severity::warning));
  CHECK(contains(r->summary, "replaced 3 workers"));
  CHECK(evidence(*r, "recycles_crashed") == "2");
  CHECK(evidence(*r, "recycles_unhealthy") == "0");
  CHECK(evidence(*r, "recycles_timeout") == "1");
  CHECK(contains(r->action, "`idempotent`"));
  CHECK(contains(r->action, "`request_timeout`"));
  CHECK(contains(r->action, "`hung_call_grace`"));
  CHECK_FALSE(contains(r->action, "`health_check_timeout`"));

  p.recycles = {{"crashed", 2}, {"memory", 7}, {"max_requests", 9}};
  CHECK_FALSE(check_failures_recurring(p));
  p.recycles = {{"unhealthy", 10}};
  r = check_failures_recurring(p);
  CHECK(r->level == severity::critical);
  CHECK(contains(r->action, "`health_check_timeout`"));
  CHECK_FALSE(contains(r->action, "`idempotent`"));
}

TEST_CASE("failures_recurring warns on missed health checks",
          "[recommendations]") {
  auto p = process_pool(2);
  p.health_check_failures = 2;
  CHECK_FALSE(check_failures_recurring(p));
  p.health_check_failures = 3;
  auto r = check_failures_recurring(p);
  REQUIRE(is(r, "failures_recurring", severity::warning));
  CHECK(evidence(*r, "health_check_failures") == "3");
  CHECK(contains(r->action, "`health_check_timeout`"));
}

TEST_CASE("recommend reports only the failure of a failed pool",
          "[recommendations]") {
  auto p = process_pool(4);
  p.utilization_mean = 0.95;
  p.saturated = 100;
  p.failed = make_failure(error_code::pool_failed,
                          "worker_crashed: restart budget spent");
  auto found = recommend(p);
  REQUIRE(found.size() == 1);
  CHECK(found[0].rule == "pool_failed");
  CHECK(found[0].level == severity::critical);
  CHECK(contains(found[0].summary, "restart budget spent"));
  CHECK(evidence(found[0], "failure") == p.failed.message);
}

TEST_CASE("recommend waits for the window but runs the other rules",
          "[recommendations]") {
  auto p = process_pool(8);
  p.window_samples = 3;
  p.utilization_mean = 0.95;
  p.utilization_peak = 0.1;
  p.saturated = 2;
  auto found = recommend(p);
  REQUIRE(found.size() == 2);
  CHECK(found[0].rule == "queue_saturation");
  CHECK(found[1].rule == "warming_up");
  CHECK(found[1].level == severity::info);
  CHECK(contains(found[1].action, "2 more"));

  p.window_samples = 5;
  found = recommend(p);
  CHECK(std::none_of(found.begin(), found.end(), [](const auto& r) {
    return r.rule == "warming_up";
  }));
}

TEST_CASE("recommend orders the findings most severe first",
          "[recommendations]") {
  auto p = process_pool(8);
  p.utilization_mean = 0.2;
  p.utilization_peak = 0.2;
  p.health_check_failures = 3;
  p.saturated = 50;
  grow(p, 0, 40, 60, 20.0);
  auto found = recommend(p);
  std::vector<std::string> rules;
  for (const auto& r : found)
    rules.push_back(r.rule);
  CHECK(rules
        == std::vector<std::string>{"queue_saturation", "memory_growing",
                                    "failures_recurring", "utilization_low",
                                    "idle_process_workers"});
  for (const auto& r : found) {
    CHECK(contains(r.summary, "\"default"));
    CHECK_FALSE(r.evidence.empty());
    CHECK_FALSE(r.action.empty());
  }
}

TEST_CASE("recommend finds nothing in a healthy pool", "[recommendations]") {
  auto p = process_pool(2);
  p.utilization_mean = 0.5;
  p.utilization_peak = 0.9;
  CHECK(recommend(p).empty());
}
