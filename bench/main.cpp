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
//                       [--caf --scheduler.max-threads=4 ...]

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <thread>

#include "bench/bare_worker.hpp"
#include "bench/pool_paths.hpp"
#include "bench/startup.hpp"
#include "bench/stats.hpp"
#include "snakepit/snakepit.hpp"

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
  bool quick = false;
};

/// One measured path: a name and a function running `calls` calls.
struct path {
  std::string name;
  std::function<samples(int)> run;
  path_summary summary;
};

/// The target the issue sets for the pool's overhead.
constexpr double target_ratio = 1.15;

const char* pool_name = "bench";

void print_table(const std::vector<path>& paths, const options& opts) {
  std::cout << fmt::format(
    "\nSequential `ping` round trips: {} rounds x {} calls per path, "
    "after {} warm-up calls;\nmedians over the rounds (us); 'pool run' = "
    "pool's own dispatch-to-reply time.\n\n",
    opts.rounds, opts.calls, opts.warmup);
  std::cout << fmt::format("{:<44} {:>8} {:>8} {:>8} {:>9} {:>17} {:>9}\n",
                           "path", "p50", "p99", "mean", "calls/s",
                           "p50 min..max", "pool run");
  for (const auto& p : paths) {
    const auto& s = p.summary;
    auto inner = s.median_inner_p50();
    std::cout << fmt::format(
      "{:<44} {:>8.1f} {:>8.1f} {:>8.1f} {:>9.0f} {:>17} {:>9}\n", p.name,
      s.median_p50(), s.median_p99(), s.median_mean(),
      s.median_calls_per_s(),
      fmt::format("{:.0f}..{:.0f}", s.min_p50(), s.max_p50()),
      inner > 0 ? fmt::format("{:.1f}", inner) : std::string{"-"});
  }
}

void print_ratio(const char* what, const path& pool, const path& bare) {
  auto p50 = pool.summary.median_p50() / bare.summary.median_p50();
  auto p99 = pool.summary.median_p99() / bare.summary.median_p99();
  std::cout << fmt::format("ratio p50 {}: {:.2f}x (target <= {:.2f}x: {})\n",
                           what, p50, target_ratio,
                           p50 <= target_ratio ? "met" : "NOT met");
  std::cout << fmt::format("ratio p99 {}: {:.2f}x (target <= {:.2f}x: {})\n",
                           what, p99, target_ratio,
                           p99 <= target_ratio ? "met" : "NOT met");
}

/// Measures start-up per pool size; false if a pool failed to start.
bool run_startup(const options& opts, const system_setup& setup) {
  std::cout << fmt::format("\nPool start-up, runtime::create to all workers "
                           "ready ({} run(s) per size, ms):\n\n",
                           opts.startup_runs);
  std::cout << fmt::format("{:>7} {:>9} {:>9} {:>9}\n", "workers", "median",
                           "min", "max");
  bool ok = true;
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
  }
  return ok;
}

/// Runs the latency rounds against a 1-worker pool and a bare worker;
/// false if something failed.
bool run_latency(const options& opts, const system_setup& setup) {
  caf::actor_system_config sys_cfg;
  register_types(sys_cfg);
  setup(sys_cfg);
  caf::actor_system sys{sys_cfg};

  auto cfg = default_config();
  cfg.pools.front().name = pool_name;
  cfg.pools.front().size = 1;
  auto created = runtime::create(cfg);
  if (auto* err = std::get_if<std::string>(&created)) {
    std::cerr << *err << '\n';
    return false;
  }
  auto rt = std::get<std::shared_ptr<runtime>>(created);
  auto root = spawn_host(sys, cfg, rt);
  bool ok = true;
  {
    client c{sys, root, pool_name};
    auto status = c.await_ready(pool_name, std::chrono::seconds{60});
    auto bare = bare_worker::start(cfg.pools.front().python, cfg.python_path,
                                   std::chrono::seconds{60});
    caf::actor pool;
    {
      caf::scoped_actor self{sys};
      self->request(root, caf::infinite, lookup_atom::value,
                    std::string{pool_name})
        .receive([&](caf::actor& found) { pool = std::move(found); },
                 [](caf::error&) {});
    }
    if (!status || !status->all_ready() || !pool) {
      std::cerr << "the bench pool did not start"
                << (status ? ": " + describe(status->failed) : "") << '\n';
      ok = false;
    } else if (auto* err = std::get_if<std::string>(&bare)) {
      std::cerr << *err << '\n';
      ok = false;
    } else {
      bare_client bc{std::get<std::unique_ptr<bare_worker>>(bare)->address()};
      auto echo = spawn_echo(sys);
      actor_caller pool_caller{sys, pool, actor_caller::target_kind::pool_ping,
                               pool_name};
      actor_caller echo_caller{sys, echo, actor_caller::target_kind::echo};
      std::vector<path> paths;
      paths.push_back({"pool, blocking snakepit::client",
                       [&](int n) { return run_pool_blocking(c, pool_name, n); },
                       {}});
      paths.push_back({"pool, event-based actor caller",
                       [&](int n) { return pool_caller.run(n); }, {}});
      paths.push_back({"bare gRPC, sync stub",
                       [&](int n) { return bc.run_sync(n); }, {}});
      paths.push_back({"bare gRPC, callback API + cv wait",
                       [&](int n) { return bc.run_async(n); }, {}});
      paths.push_back({"CAF only: scoped_actor per call -> echo",
                       [&](int n) { return run_scoped_echo(sys, echo, n); },
                       {}});
      paths.push_back({"CAF only: event-based actor -> echo",
                       [&](int n) { return echo_caller.run(n); }, {}});
      for (auto& p : paths) {
        p.summary.name = p.name;
        p.run(opts.warmup);
      }
      // Alternate the paths within each round and rotate who goes first.
      for (int r = 0; r < opts.rounds; ++r)
        for (size_t i = 0; i < paths.size(); ++i) {
          auto& p = paths[(i + r) % paths.size()];
          p.summary.rounds.push_back(summarize(p.run(opts.calls)));
        }
      print_table(paths, opts);
      std::cout << '\n';
      print_ratio("pool(blocking client)/bare(sync stub)", paths[0], paths[2]);
      print_ratio("pool(actor caller)/bare(sync stub)", paths[1], paths[2]);
      for (const auto& p : paths)
        if (p.summary.failures() > 0) {
          std::cerr << p.name << ": " << p.summary.failures()
                    << " calls failed\n";
          ok = false;
        }
      caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
    }
  }
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  rt->shutdown();
  return ok;
}

void print_machine() {
  std::cout << fmt::format("snakepit_bench: {} hardware threads\n",
                           std::thread::hardware_concurrency());
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
               "Small numbers for a smoke test (overrides the counts)");
  app.add_option("--caf", opts.caf_args,
                 "CAF option for every actor system, e.g. "
                 "--caf=--scheduler.max-threads=4");
  app.add_option("--log-level", opts.log_level,
                 "spdlog level of the library and worker output")
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (opts.quick) {
    opts.rounds = 2;
    opts.calls = 50;
    opts.warmup = 20;
    opts.startup_runs = 1;
    opts.startup_sizes = {1, 2};
  }
  spdlog::set_level(spdlog::level::from_str(opts.log_level));

  system_setup setup = [&opts](caf::actor_system_config& cfg) {
    if (!opts.caf_args.empty())
      cfg.parse(opts.caf_args);
  };
  print_machine();
  bool ok = run_latency(opts, setup);
  if (opts.startup_runs > 0)
    ok = run_startup(opts, setup) && ok;
  return ok ? 0 : 1;
}
