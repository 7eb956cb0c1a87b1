// snakepit_profiles: the thread profile against the process profile.
//
// In one run, on one host machine, with the same adapter (ShowcaseAdapter)
// and the same total number of slots (concurrent requests), it compares
//   A  process profile: S workers, 1 slot each,
//   B  thread profile:  1 worker x S threads,
//   C  thread profile:  2 workers x S/2 threads
// (S = --slots, 4 by default; --thread-workers picks the thread
// configurations). Each configuration runs as its own snakepit::host, one
// at a time, and is measured for
//   - start-up: host::start until every worker is ready;
//   - memory: Rss, Pss, USS (Private_Clean + Private_Dirty) and
//     Private_Dirty of the pool's Python processes from
//     /proc/PID/smaps_rollup, summed, once right after start-up (idle) and
//     once after the load;
//   - load: S caller threads, each sending its requests one at a time
//     through the blocking client, for `sleep` (I/O-like), `hash_blob`
//     (CPU in native code that releases the GIL) and `cpu_burn` (pure-Python
//     CPU that holds it): calls/s, p50/p99 latency, the CPU the Python
//     processes used (cores) and, for cpu_burn, the work done (loop
//     iterations per second; cpu_burn loops for a wall-clock time, so its
//     calls/s alone says little about work).
// The configurations alternate within each round (the first one rotates
// from round to round) and every figure is the median over the rounds, so
// machine noise hits every configuration alike.
//
// A second section measures throughput against pool size for both profiles
// (profiles_scaling.cpp).
//
// Usage: snakepit_profiles [--slots 4] [--thread-workers 1,2] [--rounds 3]
//                          [--sleep-requests 50] [--cpu-requests 25]
//                          [--sleep-ms 20] [--hash-mb 2] [--burn-ms 20]
//                          [--settle-ms 300] [--scaling-sizes 1,2,4]
//                          [--scaling-rounds 3] [--scaling-seconds 2]
//                          [--scaling-callers N] [--scaling-sleep-ms 5]
//                          [--only comparison|scaling] [--quick]
//                          [--log-level error] [--json PATH]

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include <snakepit/snakepit.hpp>

#include "bench/cli_options.hpp"
#include "bench/load_driver.hpp"
#include "bench/profiles.hpp"
#include "process/proc_cpu.hpp"

namespace snakepit::bench {

host_config profiles_config(const std::string& pool_name,
                            worker_profile profile, int workers, int threads,
                            const std::string& log_level) {
  auto cfg = default_config();
  cfg.log_level = log_level;
  auto& pool = cfg.pools.front();
  pool.name = pool_name;
  pool.profile = profile;
  pool.size = workers;
  pool.startup_concurrency = std::max(pool.startup_concurrency, workers);
  if (profile == worker_profile::thread)
    pool.threads_per_worker = threads;
  return cfg;
}

std::vector<int> pool_pids(client& c, const std::string& pool) {
  std::vector<int> out;
  if (auto s = c.status(pool))
    for (const auto& w : s->workers)
      if (w.info.pid > 0)
        out.push_back(w.info.pid);
  return out;
}

} // namespace snakepit::bench

namespace {

using namespace snakepit;
using namespace snakepit::bench;
using snakepit::process::cpu_seconds;
using snakepit::process::read_memory;
using clock_type = std::chrono::steady_clock;
using options = profiles_options;
using setup = profile_setup;
using results = profile_results;

const char* pool_name = "profiles";

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start)
    .count();
}

/// Starts configuration `s` as its own host, measures it once, appends to
/// `out` and stops the host; false when something failed.
bool measure_once(const setup& s, const std::vector<workload>& loads,
                  const options& opts, results& out) {
  auto start = clock_type::now();
  auto started = host::start(
    profiles_config(pool_name, s.profile, s.workers, s.threads,
                    opts.log_level));
  if (!started) {
    std::cerr << s.label << ": " << started.error().message << '\n';
    return false;
  }
  auto& h = **started;
  auto statuses = h.await_ready();
  auto startup = ms_since(start);
  if (statuses.empty() || !statuses.front().all_ready()) {
    std::cerr << s.label << ": the pool did not start: "
              << (statuses.empty() ? std::string{"no status"}
                                   : describe(statuses.front().failed))
              << '\n';
    return false;
  }
  out.startup_ms.push_back(startup);
  out.info = statuses.front().workers.front().info;

  // Idle memory: let the interpreters finish whatever they do right after
  // reporting ready, then read every worker process.
  std::this_thread::sleep_for(std::chrono::milliseconds{opts.settle_ms});
  auto pids = pool_pids(h.client(), pool_name);
  auto idle = read_memory(pids);
  if (!idle.error.empty() || static_cast<int>(pids.size()) != s.workers) {
    std::cerr << s.label << ": cannot read the workers' memory: "
              << (idle.error.empty() ? "wrong number of pids" : idle.error)
              << '\n';
    return false;
  }
  out.idle.push_back(idle.memory);

  bool ok = true;
  for (size_t i = 0; i < loads.size(); ++i) {
    const auto& w = loads[i];
    // One call per slot first: the first call of a tool in a fresh
    // interpreter pays for imports and caches.
    run_concurrent(h.client(), pool_name, w.command, w.args, opts.slots, 1);
    auto cpu_before = cpu_seconds(pids);
    auto r = run_concurrent(h.client(), pool_name, w.command, w.args,
                            opts.slots, w.requests);
    auto cpu_used = cpu_seconds(pids) - cpu_before;
    if (!r.first_error().empty()) {
      std::cerr << s.label << ": " << w.name << ": " << r.calls.failures
                << " calls failed, e.g. " << r.first_error() << '\n';
      ok = false;
    }
    out.failures += r.calls.failures;
    auto wall_s = std::chrono::duration<double>(r.calls.wall).count();
    out.iterations_per_s[i].push_back(wall_s > 0 ? r.iterations / wall_s
                                                 : 0);
    out.python_cores[i].push_back(wall_s > 0 ? cpu_used / wall_s : 0);
    out.iterations_per_cpu_s[i].push_back(
      cpu_used > 0 ? r.iterations / cpu_used : 0);
    out.spread[i] = r.per_worker;
    out.load[i].rounds.push_back(summarize(std::move(r.calls)));
    if (w.command == "cpu_burn" && s.profile == worker_profile::process) {
      auto one = run_concurrent(h.client(), pool_name, w.command, w.args, 1,
                                w.requests);
      auto one_s = std::chrono::duration<double>(one.calls.wall).count();
      out.failures += one.calls.failures;
      ok = ok && one.first_error().empty();
      out.one_caller_iterations_per_s.push_back(
        one_s > 0 ? one.iterations / one_s : 0);
    }
  }

  auto after = pool_pids(h.client(), pool_name);
  auto loaded = read_memory(after);
  if (!loaded.error.empty() || after != pids) {
    std::cerr << s.label << ": the worker processes changed during the "
              << "load (a worker was replaced?) " << loaded.error << '\n';
    ok = false;
  } else {
    out.loaded.push_back(loaded.memory);
  }
  h.stop();
  return ok;
}

/// The configurations to compare: the process profile, then one thread
/// configuration per entry of --thread-workers; empty (and a message) when
/// the slots do not divide.
std::vector<setup> make_setups(const options& opts) {
  std::vector<setup> out;
  out.push_back({fmt::format("A process {}x1", opts.slots),
                 worker_profile::process, opts.slots, 1});
  char letter = 'B';
  for (int workers : opts.thread_workers) {
    if (opts.slots % workers != 0) {
      std::cerr << "--thread-workers " << workers << " does not divide --slots "
                << opts.slots << '\n';
      return {};
    }
    auto threads = opts.slots / workers;
    out.push_back({fmt::format("{} thread {}x{}", letter++, workers, threads),
                   worker_profile::thread, workers, threads});
  }
  return out;
}

/// The comparison of the profiles at equal slots: runs the rounds, prints
/// the tables and records them in `out`; 1 when a configuration failed, 2
/// for bad options, 0 otherwise.
int run_comparison(const options& opts, json& out) {
  auto setups = make_setups(opts);
  if (setups.empty())
    return 2;
  std::vector<workload> loads{
    {"sleep", "sleep", fmt::format(R"({{"ms": {}}})", opts.sleep_ms),
     "I/O-like, releases the GIL", opts.sleep_requests},
    {"hash_blob", "hash_blob", fmt::format(R"({{"mb": {}}})", opts.hash_mb),
     "CPU in native code, releases the GIL", opts.cpu_requests},
    {"cpu_burn", "cpu_burn", fmt::format(R"({{"ms": {}}})", opts.burn_ms),
     "pure-Python CPU, holds the GIL", opts.cpu_requests},
  };
  std::vector<results> res(setups.size());
  for (auto& r : res) {
    r.load.resize(loads.size());
    r.iterations_per_s.resize(loads.size());
    r.python_cores.resize(loads.size());
    r.iterations_per_cpu_s.resize(loads.size());
    r.spread.resize(loads.size());
    for (size_t w = 0; w < loads.size(); ++w)
      r.load[w].name = loads[w].name;
  }

  std::cout << fmt::format("{} slots per configuration, {} round(s); load "
                           "average before: {}\n",
                           opts.slots, opts.rounds, load_average());

  auto run_start = clock_type::now();
  bool ok = true;
  for (int round = 0; round < opts.rounds && ok; ++round) {
    std::cout << fmt::format("round {}/{}:", round + 1, opts.rounds)
              << std::flush;
    for (size_t k = 0; k < setups.size(); ++k) {
      auto i = (k + round) % setups.size();
      std::cout << " " << setups[i].label.substr(0, 1) << std::flush;
      if (!measure_once(setups[i], loads, opts, res[i])) {
        ok = false;
        break;
      }
    }
    std::cout << '\n';
  }
  if (!ok) {
    std::cerr << "snakepit_profiles: a configuration failed; no results\n";
    return 1;
  }
  const auto& info = res.front().info;
  std::cout << fmt::format("Python {} ({}), GIL {}; took {:.0f} s; load "
                           "average after: {}\n",
                           info.python_version, info.executable,
                           info.gil_enabled ? "enabled" : "disabled",
                           ms_since(run_start) / 1000, load_average());
  out = {{"slots", opts.slots},
         {"rounds", opts.rounds},
         {"python",
          {{"version", info.python_version},
           {"executable", info.executable},
           {"gil_enabled", info.gil_enabled}}}};
  print_memory(setups, res, out["memory"]);
  print_startup(setups, res, out["startup"]);
  print_load(setups, loads, res, opts, out["load"]);
  print_spread(setups, loads, res);
  print_summary(setups, loads, res, out["summary"]);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  CLI::App app{"Snakepit profiles benchmark: the thread profile against the "
               "process profile at equal slots (memory, start-up, "
               "throughput, latency)"};
  app.add_option("--slots", opts.slots,
                 "Total slots (concurrent requests) of every configuration, "
                 "and the number of concurrent callers")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--thread-workers", opts.thread_workers,
                 "Worker processes of each thread configuration (each gets "
                 "slots/workers threads)")
    ->delimiter(',')
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--rounds", opts.rounds,
                 "Rounds; each starts and measures every configuration once "
                 "(start-up, memory, load)")
    ->capture_default_str()
    ->check(CLI::Range(1, 100));
  app.add_option("--sleep-requests", opts.sleep_requests,
                 "sleep requests per caller and round")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--cpu-requests", opts.cpu_requests,
                 "hash_blob and cpu_burn requests per caller and round")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--sleep-ms", opts.sleep_ms, "sleep: milliseconds per call")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000));
  app.add_option("--hash-mb", opts.hash_mb, "hash_blob: MiB hashed per call")
    ->capture_default_str()
    ->check(CLI::Range(1, 1024));
  app.add_option("--burn-ms", opts.burn_ms,
                 "cpu_burn: milliseconds of busy loop per call")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000));
  app.add_option("--settle-ms", opts.settle_ms,
                 "Pause between all-ready and the idle memory reading")
    ->capture_default_str()
    ->check(CLI::Range(0, 60000));
  app.add_option("--scaling-sizes", opts.scaling_sizes,
                 "Throughput vs pool size: process workers, and threads of "
                 "one thread worker, of each measured pool (include 1: the "
                 "ratios divide by it)")
    ->delimiter(',')
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--scaling-rounds", opts.scaling_rounds,
                 "Throughput vs pool size: rounds over every pool")
    ->capture_default_str()
    ->check(CLI::Range(1, 100));
  app.add_option("--scaling-seconds", opts.scaling_seconds,
                 "Throughput vs pool size: seconds of load per tool, pool "
                 "and round")
    ->capture_default_str()
    ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--scaling-callers", opts.scaling_callers,
                 "Throughput vs pool size: concurrent callers (0: twice the "
                 "largest size)")
    ->capture_default_str()
    ->check(CLI::Range(0, 256));
  app.add_option("--scaling-sleep-ms", opts.scaling_sleep_ms,
                 "Throughput vs pool size: milliseconds of the sleep tool")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000));
  app.add_option("--only", opts.only, "Run one section only")
    ->check(CLI::IsMember({"comparison", "scaling"}));
  app.add_flag("--quick", opts.quick,
               "Smoke test: 1 round, 5 sleep and 3 other requests per "
               "caller; scaling 1 round of 0.5 s per tool and pool; unless "
               "given explicitly");
  app.add_option("--log-level", opts.log_level,
                 "spdlog level of the library and worker output (the "
                 "thread-profile GIL warning is a warning)")
    ->capture_default_str();
  add_json_option(app, opts.json_path);
  CLI11_PARSE(app, argc, argv);
  if (opts.quick) {
    unless_given(app, "--rounds", opts.rounds, 1);
    unless_given(app, "--sleep-requests", opts.sleep_requests, 5);
    unless_given(app, "--cpu-requests", opts.cpu_requests, 3);
    unless_given(app, "--settle-ms", opts.settle_ms, 100);
    unless_given(app, "--scaling-rounds", opts.scaling_rounds, 1);
    unless_given(app, "--scaling-seconds", opts.scaling_seconds, 0.5);
  }
  spdlog::set_level(spdlog::level::from_str(opts.log_level));


  json_report report{"snakepit_profiles", argc, argv};
  std::cout << fmt::format("snakepit_profiles: {}\n", machine_line());
  int rc = 0;
  if (opts.only.empty() || opts.only == "comparison")
    rc = run_comparison(opts, report["comparison"]);
  if (rc == 0 && !opts.scaling_sizes.empty()
      && (opts.only.empty() || opts.only == "scaling"))
    rc = run_scaling(opts, report["scaling"]) ? 0 : 1;
  if (!report.write(opts.json_path, rc == 0) && rc == 0)
    rc = 1;
  return rc;
}
