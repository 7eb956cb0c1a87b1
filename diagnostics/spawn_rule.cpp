#include "diagnostics/spawn_rule.hpp"

#include <algorithm>

#include "diagnostics/text.hpp"

namespace snakepit::diagnostics {

namespace {

/// Workers per second of the measurement.
double rate_of(const spawn_facts& facts) {
  return facts.seconds > 0 ? facts.workers / facts.seconds : 0;
}

/// "pool P (S workers, startup_concurrency C): about T each, T' in all".
std::string pool_line(const spawn_facts& facts, const pool_demand& pool) {
  auto rate = rate_of(facts);
  auto all = rate > 0 ? std::max(pool.size / rate, facts.cold_start_seconds)
                      : 0;
  return "pool " + pool.name + " (" + std::to_string(pool.size)
         + " workers, startup_concurrency "
         + std::to_string(pool.startup_concurrency) + "): about "
         + format_seconds(expected_startup_seconds(facts, pool))
         + " per worker, " + format_seconds(all) + " in all";
}

} // namespace

double expected_startup_seconds(const spawn_facts& facts,
                                const pool_demand& pool) {
  if (facts.workers <= 0)
    return facts.cold_start_seconds;
  auto together = std::min(pool.size, pool.startup_concurrency);
  return std::max(facts.cold_start_seconds,
                  facts.mean_startup_seconds * together / facts.workers);
}

finding check_spawn_rate(const spawn_facts& facts, const demand& need) {
  finding f;
  f.name = "spawn_rate";
  if (!facts.not_measured.empty()) {
    f.status = facts.failed ? status::critical : status::warning;
    f.summary = (facts.failed ? "workers did not start: "
                              : "not measured: ")
                + facts.not_measured;
    f.advice = facts.failed ? "The config's first pool cannot start "
                              "workers on this machine; the error above "
                              "says why (adapter, interpreter, python_path)."
                            : "Fix what keeps workers from starting (see "
                              "the other findings), then run `snakepit "
                              "diagnose` again.";
    return f;
  }
  auto rate = rate_of(facts);
  f.add("workers", static_cast<int64_t>(facts.workers))
    .add("seconds", facts.seconds)
    .add("workers_per_second", rate)
    .add("mean_startup_seconds", facts.mean_startup_seconds)
    .add("cold_start_seconds", facts.cold_start_seconds)
    .add("cores", static_cast<int64_t>(facts.cores));
  f.summary = format_number(rate, 1) + " workers/s (" +
              std::to_string(facts.workers) + " at once in "
              + format_seconds(facts.seconds) + ", "
              + format_seconds(facts.mean_startup_seconds)
              + " each on average); one alone starts in "
              + format_seconds(facts.cold_start_seconds);
  std::string pools;
  for (const auto& pool : need.pools) {
    auto expected = expected_startup_seconds(facts, pool);
    auto limit = std::chrono::duration<double>(pool.startup_timeout).count();
    auto st = expected > limit       ? status::critical
              : expected > limit / 2 ? status::warning
                                     : status::ok;
    f.status = std::max(f.status, st);
    pools += " " + pool_line(facts, pool)
             + (st == status::ok ? ""
                                 : " (startup_timeout "
                                     + format_seconds(limit) + ")")
             + ".";
  }
  auto cores = std::to_string(facts.cores);
  if (f.status == status::ok)
    f.advice = "Starts are CPU-bound (the interpreter imports grpc): a "
               "startup_concurrency above the cores ("
               + cores + ") makes each start slower, not the pool ready "
                         "sooner."
               + pools;
  else
    f.advice = "Workers starting together share the " + cores
               + " cores, so each takes longer and may hit its "
                 "startup_timeout: lower startup_concurrency to about the "
                 "cores or raise startup_timeout."
               + pools;
  return f;
}

} // namespace snakepit::diagnostics
