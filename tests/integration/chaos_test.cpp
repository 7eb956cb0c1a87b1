// The chaos suite: under load from several callers, workers are killed
// (SIGKILL), stopped (SIGSTOP) and crashed through the adapter at random
// moments, in rounds; after each round the pool must be back to full
// strength. Every request must be answered exactly once with its own
// token or an error of an expected category, and nothing may be left
// running after the host stops.
//
// Short by default (CI). Longer runs, by hand: scripts/chaos.sh, which sets
// SNAKEPIT_CHAOS_SECONDS, _WORKERS, _CALLERS and _SEED. A failing run prints
// its seed; the same seed replays the same faults (timing aside).

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <set>
#include <variant>

#include "chaos_injector.hpp"
#include "chaos_load.hpp"
#include "host_fixture.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {

/// One run's shape; short by default, from the environment by hand.
struct chaos_options {
  int seconds = 12;
  int workers = 3;
  int callers = 6;
  uint64_t seed = 0;
};

/// Faults come in rounds this long, each followed by a recovery phase.
constexpr milliseconds round_length{6000};

/// A fault every 250-750 ms during a round.
constexpr milliseconds min_gap{250};
constexpr milliseconds max_gap{750};

/// Bound (liveness) for the pool to be back to full strength after a round.
constexpr milliseconds recovery_bound{20000};

long env_number(const char* name, long fallback, long low, long high) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0')
    return fallback;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < low || value > high)
    FAIL(name << "=" << text << " is not a number in " << low << "-" << high);
  return value;
}

chaos_options options_from_env() {
  chaos_options o;
  o.seconds = static_cast<int>(
    env_number("SNAKEPIT_CHAOS_SECONDS", o.seconds, 1, 24 * 3600));
  o.workers = static_cast<int>(
    env_number("SNAKEPIT_CHAOS_WORKERS", o.workers, 1, 64));
  o.callers = static_cast<int>(
    env_number("SNAKEPIT_CHAOS_CALLERS", o.callers, 1, 256));
  const char* seed = std::getenv("SNAKEPIT_CHAOS_SEED");
  o.seed = seed != nullptr && *seed != '\0'
             ? std::strtoull(seed, nullptr, 10)
             : std::random_device{}();
  return o;
}

/// The pool under chaos: every setting of it is here.
host_config chaos_config(const std::string& run_base, const chaos_options& o) {
  auto cfg = make_config(run_base, o.workers);
  auto& pool = cfg.pools.at(0);
  pool.name = "chaos";
  // A stopped worker is found within 2 x (200 + 500) ms (see "Stuck
  // workers and shutdown" in docs/operations.md). Two pings in a row
  // slower than 500 ms would kill a healthy worker (and fail its call as
  // worker_crashed, still an expected answer); the figures count them.
  pool.health_check_interval = milliseconds{200};
  pool.health_check_timeout = milliseconds{500};
  pool.health_check_max_misses = 2;
  // Longer than a detection, so a call on a stopped worker is answered
  // worker_crashed when the health check kills it, not request_timeout.
  pool.request_timeout = milliseconds{5000};
  pool.queue_timeout = milliseconds{5000};
  // The default restart budget: crashes of serving workers are not charged
  // to it (they back off per worker), so the pool rides out the faults.
  return cfg;
}

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double maximum(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
    .count();
}

/// Waits until the pool has all its workers ready and none of them is a
/// stopped one; returns the milliseconds it took, or nullopt past the bound.
std::optional<double> await_full_strength(host_fixture& host,
                                          chaos_injector& faults) {
  auto t0 = clock_type::now();
  auto deadline = t0 + recovery_bound;
  for (;;) {
    auto st = host.status();
    if (st.all_ready() && st.ready == st.size && faults.no_stopped_alive())
      return ms_since(t0);
    if (clock_type::now() >= deadline)
      return std::nullopt;
    faults.pause_until(clock_type::now() + milliseconds{10});
  }
}

std::string by_category(const std::map<error_code, int64_t>& counts) {
  std::string out;
  for (const auto& [code, n] : counts)
    out += (out.empty() ? "" : ", ") + to_string(code) + " "
           + std::to_string(n);
  return out.empty() ? "none" : out;
}

/// "unhealthy 9, crashed 30": the pool's replacements by reason.
std::string replacements(host_fixture& host) {
  auto seen = host.client().inspect(host.config().pools.at(0).name);
  if (!seen)
    return "unknown";
  std::string out;
  for (const auto& [reason, n] : seen->recycles)
    out += (out.empty() ? "" : ", ") + reason + " " + std::to_string(n);
  return (out.empty() ? "none" : out) + "; missed health checks "
         + std::to_string(seen->health_check_failures);
}

void print_figures(const chaos_options& o, int rounds, const load_tally& load,
                   const fault_tally& faults,
                   const std::vector<double>& recovery_ms, double seconds,
                   const std::string& replaced) {
  std::printf(
    "chaos: seed %llu (replay: SNAKEPIT_CHAOS_SEED=%llu), %d workers, "
    "%d callers, %d s of faults in %d rounds\n",
    static_cast<unsigned long long>(o.seed),
    static_cast<unsigned long long>(o.seed), o.workers, o.callers, o.seconds,
    rounds);
  std::printf("chaos: requests sent %lld, answered %lld: ok %lld, errors: "
              "%s; mismatched %lld, duplicates %lld, late %lld\n",
              static_cast<long long>(load.sent),
              static_cast<long long>(load.answered),
              static_cast<long long>(load.ok),
              by_category(load.errors).c_str(),
              static_cast<long long>(load.mismatched),
              static_cast<long long>(load.duplicates),
              static_cast<long long>(load.late));
  std::string injected;
  for (const auto& [kind, n] : faults.injected)
    injected += (injected.empty() ? "" : ", ") + to_string(kind) + " "
                + std::to_string(n);
  std::printf("chaos: faults injected: %s (skipped %d); crash requests "
              "answered: %s\n",
              injected.c_str(), faults.skipped,
              by_category(faults.crash_replies).c_str());
  std::printf("chaos: workers replaced by the pool: %s\n", replaced.c_str());
  std::printf("chaos: SIGSTOP to process gone: median %.0f ms, max %.0f ms "
              "(%zu workers)\n",
              median(faults.stop_to_gone_ms), maximum(faults.stop_to_gone_ms),
              faults.stop_to_gone_ms.size());
  std::printf("chaos: back to full strength after a round: median %.0f ms, "
              "max %.0f ms (%zu rounds)\n",
              median(recovery_ms), maximum(recovery_ms), recovery_ms.size());
  std::printf("chaos: %.0f answers/s over %.1f s\n",
              static_cast<double>(load.answered) / seconds, seconds);
  std::fflush(stdout);
}

} // namespace

TEST_CASE("chaos: under load, killed, stopped and crashed workers are "
          "replaced and every request is answered once",
          "[integration][chaos]") {
  auto o = options_from_env();
  INFO("seed " << o.seed << " (replay: SNAKEPIT_CHAOS_SEED=" << o.seed
               << ")");
  temp_dir tmp;
  host_fixture host{chaos_config(tmp / "run", o)};
  REQUIRE(host.await_ready().all_ready());
  const auto& pool = host.config().pools.at(0);
  auto watchdog = pool.queue_timeout + pool.request_timeout + milliseconds{5000};

  std::vector<double> recovery_ms;
  bool recovered = true;
  load_tally load;
  fault_tally faults;
  double seconds = 0;
  int rounds = 0;
  {
    chaos_injector injector{host, o.seed, min_gap, max_gap};
    chaos_load callers{host.system(), host.pool_handle(pool.name), o.callers,
                       watchdog};
    auto t0 = clock_type::now();
    milliseconds left = std::chrono::seconds{o.seconds};
    while (recovered && left > milliseconds::zero()) {
      auto length = std::min(left, round_length);
      left -= length;
      ++rounds;
      injector.run_until(clock_type::now() + length);
      auto took = await_full_strength(host, injector);
      recovered = took.has_value();
      if (recovered)
        recovery_ms.push_back(*took);
      else
        UNSCOPED_INFO("round " << rounds << ": not back to full strength "
                               << "within " << recovery_bound.count()
                               << " ms; status: ready "
                               << host.status().ready << " of " << o.workers
                               << ", stopped workers still running: "
                               << injector.stopped_alive().size());
    }
    bool finished = callers.finish(watchdog + milliseconds{5000});
    seconds = ms_since(t0) / 1000;
    load = callers.tally();
    faults = injector.finish();
    print_figures(o, rounds, load, faults, recovery_ms, seconds,
                  replacements(host));
    REQUIRE(recovered);
    REQUIRE(finished);
  }

  INFO("problems: " << [&] {
    std::string all;
    for (const auto& p : load.problems)
      all += "\n  " + p;
    return all;
  }());
  CHECK(load.sent > 0);
  CHECK(load.answered == load.sent);
  CHECK(load.in_flight == 0);
  CHECK(load.mismatched == 0);
  CHECK(load.duplicates == 0);
  CHECK(load.late == 0);
  const std::set<error_code> expected{error_code::worker_crashed,
                                      error_code::request_timeout,
                                      error_code::queue_timeout};
  for (const auto& [code, n] : load.errors) {
    INFO(n << " x " << to_string(code));
    CHECK(expected.count(code) == 1);
  }
  for (const auto& [code, n] : faults.crash_replies) {
    INFO("crash request answered " << n << " x " << to_string(code));
    CHECK(expected.count(code) == 1);
  }
  for (auto kind : {fault::sigkill, fault::sigstop, fault::adapter_crash}) {
    INFO(to_string(kind));
    CHECK(faults.injected[kind] > 0);
  }

  // The pool serves at full strength after the chaos: it was after the
  // last round, and a health check missed while the callers wound down
  // may be replacing a worker still (a liveness bound, as for the rounds).
  pool_snapshot st;
  bool back = eventually([&] {
    st = host.status();
    return st.all_ready();
  }, recovery_bound, milliseconds{20});
  INFO("status: ready " << st.ready << " of " << st.size << ", failed: "
                        << st.failed.message);
  CHECK(back);
  for (int i = 0; i < 2 * o.workers; ++i) {
    auto reply = host.exec("echo", R"({"token":"after"})");
    INFO(describe(reply));
    REQUIRE(reply.ok());
    CHECK(nlohmann::json::parse(reply->result_json)
          == nlohmann::json{{"token", "after"}});
  }

  auto run_id = host.run_id();
  auto run_path = host.run_path();
  host.stop();
  CHECK(run_processes(run_id).empty());
  CHECK_FALSE(path_exists(run_path));
}
