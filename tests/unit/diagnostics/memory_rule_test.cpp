// The memory rule with made-up MemAvailable and worker PSS.

#include "diagnostics/memory_rule.hpp"

#include "test_support.hpp"

using namespace snakepit;
using namespace snakepit::diagnostics;
using namespace snakepit::diagnostics::test;

namespace {

constexpr uint64_t mib = 1024 * 1024;

/// 1000 MiB available; workers of 32 MiB (process) and 40 MiB (thread,
/// 8 slots).
memory_facts facts() {
  memory_facts f;
  f.available_bytes = 1000 * mib;
  f.process_worker_pss_bytes = 32 * mib;
  f.thread_worker_pss_bytes = 40 * mib;
  f.thread_worker_slots = 8;
  return f;
}

demand of(std::vector<pool_demand> pools) {
  demand d;
  d.pools = std::move(pools);
  return d;
}

} // namespace

TEST_CASE("memory: how many workers of each profile fit",
          "[diagnostics][rules]") {
  auto f = check_memory(facts(),
                        of({pool("p", 4),
                            pool("t", 2, worker_profile::thread, 8)}));
  CHECK(f.name == "memory");
  CHECK(f.status == status::ok);
  CHECK(int_value(f, "process_workers_fit") == 31);    // 1000 / 32
  CHECK(int_value(f, "process_workers_fit_80") == 25); // 800 / 32
  CHECK(int_value(f, "thread_workers_fit") == 25);     // 1000 / 40
  CHECK(int_value(f, "thread_workers_fit_80") == 20);
  CHECK(int_value(f, "thread_slots_fit") == 25 * 8);
  CHECK(int_value(f, "needed_bytes") == static_cast<int64_t>(208 * mib));
  CHECK(contains(f.summary, "31 process workers"));
  CHECK(contains(f.advice, "PSS"));
}

TEST_CASE("memory: warning past 80% of MemAvailable, critical past all",
          "[diagnostics][rules]") {
  // 26 * 32 = 832 MiB: over 800, under 1000.
  auto warn = check_memory(facts(), of({pool("p", 26)}));
  CHECK(warn.status == status::warning);
  CHECK(contains(warn.advice, "thread profile"));
  // 32 * 32 = 1024 MiB.
  auto crit = check_memory(facts(), of({pool("p", 32)}));
  CHECK(crit.status == status::critical);
  CHECK(contains(crit.advice, "1 GiB"));
}

TEST_CASE("memory: not measured is a warning", "[diagnostics][rules]") {
  auto f = facts();
  f.not_measured = "the interpreter cannot run workers";
  auto out = check_memory(f, of({pool("p", 1)}));
  CHECK(out.status == status::warning);
  CHECK(contains(out.summary, "not measured"));
  CHECK(contains(out.summary, "cannot run workers"));
  CHECK(out.find("process_worker_pss_bytes") == nullptr);
}
