// snakepit_bench: what a pool costs on top of a bare gRPC call.
//
// In one run, against the same Python worker code (showcase adapter, one
// serving thread), it measures sequential `ping` round trips through
//   - a 1-worker pool, called by the blocking snakepit::client,
//   - the same pool, called by an event-based actor,
//   - a bare C++ gRPC client (sync stub, and callback API) talking to a
//     worker the bench starts itself on its own socket,
//   - CAF alone (the two callers against a trivial echo actor),
// in alternating rounds so that machine noise hits every path alike, and
// then the start-up time of pools of 1, 4 and 8 workers.
//
// Usage: snakepit_bench [--rounds N] [--calls N] [--warmup N]
//                       [--startup-runs N] [--startup-sizes 1,4,8] [--quick]
//                       [--caf=--scheduler.policy=stealing ...]
//                       [--json PATH]
//
// Actor systems use snakepit::tune_for_latency (the sharing scheduler) unless
// --caf says otherwise.

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <algorithm>
#include <functional>
#include <iostream>

#include <snakepit/snakepit.hpp>

#include "actors/worker_environment.hpp"
#include "bench/cli_options.hpp"
#include "bench/bare_worker.hpp"
#include "bench/json_report.hpp"
#include "bench/pool_paths.hpp"
#include "bench/startup.hpp"
#include "bench/stats.hpp"

namespace {

using namespace snakepit;
using namespace snakepit::bench;

struct options {
  int rounds = 5;
  int calls = 2000;
  int warmup = 500;
  int startup_runs = 3;
  std::vector<int> startup_sizes{1, 4, 8};
  std::vector<std::string> caf_args;
  std::string log_level = "warn";
  std::string json_path;
  bool quick = false;
};

/// One measured path: a name, a key for the JSON document, a function
/// running `calls` calls, and what the rounds gave.
struct path {
  std::string name;
  std::string key;
  std::function<samples(int)> run;
  path_summary summary;
  /// The latencies of every round, for the distribution.
  std::vector<int64_t> all_ns;
};

/// A pool path's p50 and p99 divided by the bare path's: the ratio of the
/// medians over the rounds, and the median of the per-round ratios (the
/// two paths ran back to back in each round, so slow drifts of machine load
/// cancel out).
struct path_ratio {
  double p50 = 0;
  double p50_per_round = 0;
  double p99 = 0;
  double p99_per_round = 0;
};

/// The target the issue sets for the pool's overhead.
constexpr double target_ratio = 1.15;

const char* pool_name = "bench";

/// User plus system CPU time of this process so far, microseconds.
double process_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  return us(u.ru_utime) + us(u.ru_stime);
}

void print_table(const std::vector<path>& paths, const options& opts) {
  std::cout << fmt::format(
    "\nSequential `ping` round trips: {} rounds x {} calls per path, "
    "after {} warm-up calls.\nMedians over the rounds, microseconds; "
    "'pool run': the pool's own dispatch-to-reply\ntime; 'cpu/call': CPU "
    "time of the bench process (not Python) per call.\n\n",
    opts.rounds, opts.calls, opts.warmup);
  std::cout << fmt::format(
    "{:<42} {:>7} {:>7} {:>7} {:>8} {:>13} {:>8} {:>8}\n", "path", "p50",
    "p99", "mean", "calls/s", "p50 min..max", "pool run", "cpu/call");
  for (const auto& p : paths) {
    const auto& s = p.summary;
    auto inner = s.median_inner_p50();
    std::cout << fmt::format(
      "{:<42} {:>7.1f} {:>7.1f} {:>7.1f} {:>8.0f} {:>13} {:>8} {:>8.1f}\n",
      p.name, s.median_p50(), s.median_p99(), s.median_mean(),
      s.median_calls_per_s(),
      fmt::format("{:.0f}..{:.0f}", s.min_p50(), s.max_p50()),
      inner > 0 ? fmt::format("{:.1f}", inner) : std::string{"-"},
      s.median_cpu_per_call());
  }
}

path_ratio compute_ratio(const path& pool, const path& bare) {
  std::vector<double> p50s;
  std::vector<double> p99s;
  auto n = std::min(pool.summary.rounds.size(), bare.summary.rounds.size());
  for (size_t r = 0; r < n; ++r) {
    p50s.push_back(pool.summary.rounds[r].p50_us
                   / bare.summary.rounds[r].p50_us);
    p99s.push_back(pool.summary.rounds[r].p99_us
                   / bare.summary.rounds[r].p99_us);
  }
  return {pool.summary.median_p50() / bare.summary.median_p50(),
          median(p50s),
          pool.summary.median_p99() / bare.summary.median_p99(),
          median(p99s)};
}

/// Prints pool/bare for p50 and p99 and returns them as JSON.
json print_ratio(const char* what, const path& pool, const path& bare) {
  auto line = [&](const char* pct, double ratio, double per_round) {
    std::cout << fmt::format(
      "ratio {} {}: {:.2f}x (per-round median {:.2f}x; target <= {:.2f}x: "
      "{})\n",
      pct, what, ratio, per_round, target_ratio,
      ratio <= target_ratio ? "met" : "NOT met");
  };
  auto r = compute_ratio(pool, bare);
  line("p50", r.p50, r.p50_per_round);
  line("p99", r.p99, r.p99_per_round);
  return {{"name", what},
          {"pool", pool.key},
          {"bare", bare.key},
          {"p50", r.p50},
          {"p50_per_round", r.p50_per_round},
          {"p99", r.p99},
          {"p99_per_round", r.p99_per_round},
          {"target", target_ratio},
          {"p50_met", r.p50 <= target_ratio}};
}

/// Measures start-up per pool size into `out`; false if a pool failed to
/// start.
bool run_startup(const options& opts, const system_setup& setup, json& out) {
  std::cout << fmt::format("\nPool start-up, runtime::create to all workers "
                           "ready ({} run(s) per size, ms):\n\n",
                           opts.startup_runs);
  std::cout << fmt::format("{:>7} {:>9} {:>9} {:>9}\n", "workers", "median",
                           "min", "max");
  bool ok = true;
  out = {{"runs", opts.startup_runs}, {"sizes", json::array()}};
  for (int size : opts.startup_sizes) {
    std::vector<double> ms;
    for (int run = 0; run < opts.startup_runs; ++run) {
      auto r = measure_startup(size, setup);
      if (auto* err = std::get_if<std::string>(&r)) {
        std::cerr << "start-up of " << size << " workers failed: " << *err
                  << '\n';
        ok = false;
        break;
      }
      ms.push_back(
        std::chrono::duration<double, std::milli>(
          std::get<std::chrono::nanoseconds>(r))
          .count());
    }
    if (ms.empty())
      continue;
    std::cout << fmt::format("{:>7} {:>9.1f} {:>9.1f} {:>9.1f}\n", size,
                             median(ms), *std::min_element(ms.begin(), ms.end()),
                             *std::max_element(ms.begin(), ms.end()));
    out["sizes"].push_back(
      {{"workers", size},
       {"median_ms", median(ms)},
       {"min_ms", *std::min_element(ms.begin(), ms.end())},
       {"max_ms", *std::max_element(ms.begin(), ms.end())},
       {"runs_ms", ms}});
  }
  return ok;
}

/// Measures every path in alternating rounds against the ready pool and
/// the bare worker at `bare_address`, prints the results and records them
/// in `out`; false if calls failed.
bool measure_paths(caf::actor_system& sys, client& c, const pool_actor& pool,
                   const std::string& bare_address, const options& opts,
                   json& out) {
  bare_client bare{bare_address};
  auto echo = spawn_echo(sys);
  // One caller actor drives both targets, so it holds them untyped.
  actor_caller pool_caller{sys, caf::actor_cast<caf::actor>(pool),
                           actor_caller::target_kind::pool_ping, pool_name};
  actor_caller echo_caller{sys, echo, actor_caller::target_kind::echo};
  std::vector<path> paths;
  paths.push_back({"pool, blocking snakepit::client", "pool_blocking",
                   [&](int n) { return run_pool_blocking(c, pool_name, n); },
                   {}, {}});
  paths.push_back({"pool, event-based actor caller", "pool_actor",
                   [&](int n) { return pool_caller.run(n); }, {}, {}});
  paths.push_back({"bare gRPC, sync stub", "bare_sync",
                   [&](int n) { return bare.run_sync(n); }, {}, {}});
  paths.push_back({"bare gRPC, callback API + cv wait", "bare_callback",
                   [&](int n) { return bare.run_async(n); }, {}, {}});
  paths.push_back({"CAF only: scoped_actor per call -> echo",
                   "caf_scoped_echo",
                   [&](int n) { return run_scoped_echo(sys, echo, n); }, {},
                   {}});
  paths.push_back({"CAF only: event-based actor -> echo", "caf_actor_echo",
                   [&](int n) { return echo_caller.run(n); }, {}, {}});
  for (auto& p : paths) {
    p.summary.name = p.name;
    p.run(opts.warmup);
  }
  // Alternate the paths within each round and rotate who goes first.
  for (int r = 0; r < opts.rounds; ++r)
    for (size_t i = 0; i < paths.size(); ++i) {
      auto& p = paths[(i + r) % paths.size()];
      auto cpu_before = process_cpu_us();
      auto calls = p.run(opts.calls);
      p.all_ns.insert(p.all_ns.end(), calls.latencies_ns.begin(),
                      calls.latencies_ns.end());
      auto summary = summarize(std::move(calls));
      summary.cpu_us_per_call = (process_cpu_us() - cpu_before) / opts.calls;
      p.summary.rounds.push_back(summary);
    }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);

  print_table(paths, opts);
  std::cout << '\n';
  out = {{"rounds", opts.rounds},
         {"calls", opts.calls},
         {"warmup", opts.warmup},
         {"paths", json::array()},
         {"ratios", json::array()}};
  for (const auto& p : paths) {
    json row{{"key", p.key}};
    row.update(to_json(p.summary));
    row["percentiles_us"] = percentiles_json(p.all_ns);
    out["paths"].push_back(std::move(row));
  }
  out["ratios"].push_back(print_ratio(
    "pool(blocking client)/bare(sync stub)", paths[0], paths[2]));
  out["ratios"].push_back(
    print_ratio("pool(actor caller)/bare(sync stub)", paths[1], paths[2]));
  bool ok = true;
  for (const auto& p : paths)
    if (p.summary.failures() > 0) {
      std::cerr << p.name << ": " << p.summary.failures() << " calls failed\n";
      ok = false;
    }
  return ok;
}

/// Starts a host with a 1-worker pool and a bare worker, runs the latency
/// rounds into `out`, and stops both in order; false if something failed.
bool run_latency(const options& opts, const system_setup& setup, json& out) {
  auto cfg = default_config();
  cfg.pools.front().name = pool_name;
  cfg.pools.front().size = 1;
  auto env = bootstrap(cfg, setup);
  if (!env) {
    std::cerr << describe(env.error()) << '\n';
    return false;
  }
  auto& sys = (*env)->system();
  const auto& rt = (*env)->runtime();
  auto root = spawn_host(sys, cfg, rt);
  bool ok = false;
  { // Scoped actors (inside the client, too) must be gone before the wait.
    client c{sys, root, pool_name};
    auto status = c.await_ready(pool_name, std::chrono::seconds{60});
    auto bare = bare_worker::start(cfg.pools.front().python,
                                   rt->env()->python_path,
                                   std::chrono::seconds{60});
    pool_actor pool;
    {
      caf::scoped_actor self{sys};
      self->request(root, caf::infinite, lookup_atom::value,
                    std::string{pool_name})
        .receive([&](pool_actor& found) { pool = std::move(found); },
                 [](caf::error&) {});
    }
    if (!status || !status->all_ready() || !pool)
      std::cerr << "the bench pool did not start"
                << (status ? ": " + describe(status->failed) : "") << '\n';
    else if (auto* err = std::get_if<std::string>(&bare))
      std::cerr << *err << '\n';
    else
      ok = measure_paths(sys, c, pool,
                         std::get<std::unique_ptr<bare_worker>>(bare)
                           ->address(),
                         opts, out);
  }
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  return ok; // `env` waits for the tree, then stops the runtime
}

/// What the figures depend on: the machine and the CAF scheduler settings.
/// Returns the CAF settings line.
std::string print_setup(const options& opts) {
  std::cout << fmt::format("snakepit_bench: {}\n", machine_line());
  std::string caf = "snakepit::tune_for_latency (scheduler.policy=sharing)";
  if (!opts.caf_args.empty())
    caf += fmt::format(", then {}", fmt::join(opts.caf_args, " "));
  std::cout << "CAF settings: " << caf << '\n';
  return caf;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  CLI::App app{"Snakepit benchmark: pool round-trip latency against a bare "
               "gRPC client, and pool start-up time"};
  app.add_option("--rounds", opts.rounds, "Alternating measurement rounds")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  app.add_option("--calls", opts.calls, "Calls per path and round")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000000));
  app.add_option("--warmup", opts.warmup, "Warm-up calls per path")
    ->capture_default_str()
    ->check(CLI::Range(0, 10000000));
  app.add_option("--startup-runs", opts.startup_runs,
                 "Start-up measurements per pool size (0 skips them)")
    ->capture_default_str()
    ->check(CLI::Range(0, 100));
  app.add_option("--startup-sizes", opts.startup_sizes,
                 "Pool sizes whose start-up is measured")
    ->delimiter(',')
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_flag("--quick", opts.quick,
               "Small numbers for a smoke test (2 rounds x 50 calls, 1 "
               "start-up run of 1 and 2 workers) unless given explicitly");
  app.add_option("--caf", opts.caf_args,
                 "CAF option for every actor system, applied after "
                 "snakepit::tune_for_latency, e.g. "
                 "--caf=--scheduler.policy=stealing for CAF's default "
                 "(repeatable)");
  app.add_option("--log-level", opts.log_level,
                 "spdlog level of the library and worker output")
    ->capture_default_str();
  add_json_option(app, opts.json_path);
  CLI11_PARSE(app, argc, argv);
  if (opts.quick) {
    unless_given(app, "--rounds", opts.rounds, 2);
    unless_given(app, "--calls", opts.calls, 50);
    unless_given(app, "--warmup", opts.warmup, 20);
    unless_given(app, "--startup-runs", opts.startup_runs, 1);
    unless_given(app, "--startup-sizes", opts.startup_sizes,
                 std::vector<int>{1, 2});
  }
  spdlog::set_level(spdlog::level::from_str(opts.log_level));

  // What the library recommends (and snakepit::host does), unless --caf
  // overrides it, e.g. --caf=--scheduler.policy=stealing for CAF's default.
  // (`prepare` has applied tune_for_latency before `setup` runs.)
  system_setup setup = [&opts](caf::actor_system_config& cfg) {
    if (!opts.caf_args.empty())
      cfg.parse(opts.caf_args);
  };
  json_report report{"snakepit_bench", argc, argv};
  report["caf_settings"] = print_setup(opts);
  bool ok = run_latency(opts, setup, report["latency"]);
  if (opts.startup_runs > 0)
    ok = run_startup(opts, setup, report["startup"]) && ok;
  ok = report.write(opts.json_path, ok) && ok;
  return ok ? 0 : 1;
}
