// snakepit_profiles, second section: throughput against pool size.
//
// Process pools of N workers and thread pools of 1 worker x N threads (N =
// --scaling-sizes, 1, 2, 4 by default), each under a steady load of more
// callers than slots (twice the largest size by default), so every slot is
// busy all the time and the throughput is what the pool can do, not what
// the callers ask. Three tools:
//   - sleep (a few ms): I/O-like, costs no CPU, releases the GIL; the
//     throughput should grow with the slots in both profiles;
//   - hash_blob: CPU in native code that releases the GIL, fixed work per
//     call; bounded by the cores the machine gives, in both profiles;
//   - cpu_burn: pure-Python CPU that holds the GIL; it loops for a fixed
//     wall-clock time, so its calls/s says nothing about work and its
//     throughput is the work done (loop iterations per second): bounded by
//     the cores for processes, by one core (the GIL) for threads.
// Each round starts every pool once (order rotating from round to round),
// runs the three tools on it for a fixed time each, and stops it; every
// figure is the median over the rounds.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include <snakepit/snakepit.hpp>

#include "bench/load_driver.hpp"
#include "bench/profiles.hpp"
#include "process/proc_cpu.hpp"

namespace snakepit::bench {

namespace {

const char* pool_name = "scaling";

/// One tool of the section and how its throughput is counted.
struct scaling_tool {
  std::string command;
  std::string args;
  std::string what;
  /// True: throughput is work (cpu_burn iterations/s, in millions);
  /// false: successful requests per second.
  bool work = false;
};

/// One pool of the section and its figures per tool, a value per round.
struct scaling_pool {
  worker_profile profile = worker_profile::process;
  int size = 1;
  std::vector<std::vector<double>> throughput;
  std::vector<path_summary> load;
  std::vector<std::vector<double>> python_cores;
};

/// "process 4x1" or "thread 1x4".
std::string pool_label(const scaling_pool& p) {
  return p.profile == worker_profile::process
           ? fmt::format("process {}x1", p.size)
           : fmt::format("thread 1x{}", p.size);
}

/// Starts pool `p`, measures every tool once and stops it; false when it
/// did not start or a call failed.
bool measure_pool(scaling_pool& p, const std::vector<scaling_tool>& tools,
                  const profiles_options& opts, int callers) {
  auto workers = p.profile == worker_profile::process ? p.size : 1;
  auto started = host::start(profiles_config(pool_name, p.profile, workers,
                                             p.size, opts.log_level));
  if (!started) {
    std::cerr << pool_label(p) << ": " << started.error().message << '\n';
    return false;
  }
  auto& h = **started;
  auto statuses = h.await_ready();
  if (statuses.empty() || !statuses.front().all_ready()) {
    std::cerr << pool_label(p) << ": the pool did not start\n";
    return false;
  }
  auto pids = pool_pids(h.client(), pool_name);
  bool ok = true;
  for (size_t t = 0; t < tools.size(); ++t) {
    const auto& tool = tools[t];
    // One call per slot first: the first call of a tool in a fresh
    // interpreter pays for imports and caches.
    run_concurrent(h.client(), pool_name, tool.command, tool.args, p.size, 1);
    auto cpu_before = process::cpu_seconds(pids);
    auto r = run_for(h.client(), pool_name, tool.command, tool.args, callers,
                     std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::duration<double>(opts.scaling_seconds)));
    auto cpu = process::cpu_seconds(pids) - cpu_before;
    auto wall_s = std::chrono::duration<double>(r.calls.wall).count();
    if (r.calls.failures > 0) {
      std::cerr << pool_label(p) << ": " << tool.command << ": "
                << r.calls.failures << " calls failed, e.g. "
                << r.failures.front() << '\n';
      ok = false;
    }
    auto rate = wall_s <= 0 ? 0
                : tool.work ? r.iterations / wall_s / 1e6
                            : r.calls.latencies_ns.size() / wall_s;
    p.throughput[t].push_back(rate);
    p.python_cores[t].push_back(wall_s > 0 ? cpu / wall_s : 0);
    p.load[t].rounds.push_back(summarize(std::move(r.calls)));
  }
  h.stop();
  return ok;
}

/// The pool of the same profile and size 1 (the ratios' base), or nullptr.
const scaling_pool* base_of(const std::vector<scaling_pool>& pools,
                            const scaling_pool& p) {
  for (const auto& q : pools)
    if (q.profile == p.profile && q.size == 1)
      return &q;
  return nullptr;
}

/// Prints one tool's table (a row per size, process and thread side by
/// side) and returns its JSON.
json print_tool(const scaling_tool& tool, size_t t,
                const std::vector<scaling_pool>& pools) {
  auto unit = tool.work ? "Mit/s" : "req/s";
  std::cout << fmt::format("\n{} {} ({}); throughput in {}{}\n\n",
                           tool.command, tool.args, tool.what, unit,
                           tool.work ? " (work: loop iterations)" : "");
  std::cout << fmt::format("{:<13} {:>9} {:>6} {:>7} {:>6}   {:<13} {:>9} "
                           "{:>6} {:>7} {:>6}\n",
                           "pool", unit, "vs 1", "p50 ms", "cores", "pool",
                           unit, "vs 1", "p50 ms", "cores");
  json out{{"tool", tool.command},
           {"args", json::parse(tool.args)},
           {"what", tool.what},
           {"unit", unit},
           {"pools", json::array()}};
  auto cell = [&](const scaling_pool& p) {
    const auto* base = base_of(pools, p);
    auto tput = median(p.throughput[t]);
    auto base_tput = base ? median(base->throughput[t]) : 0;
    auto cores = median(p.python_cores[t]);
    out["pools"].push_back(
      {{"label", pool_label(p)},
       {"profile", to_string(p.profile)},
       {"size", p.size},
       {"workers", p.profile == worker_profile::process ? p.size : 1},
       {"threads", p.profile == worker_profile::process ? 1 : p.size},
       {"throughput", tput},
       {"throughput_rounds", p.throughput[t]},
       {"vs_size_1", ratio_json(tput, base_tput)},
       {"python_cores", cores},
       {"load", to_json(p.load[t])}});
    return fmt::format("{:<13} {:>9.1f} {:>6} {:>7.2f} {:>6.2f}",
                       pool_label(p), tput, ratio_text(tput, base_tput),
                       p.load[t].median_p50() / 1000, cores);
  };
  for (size_t i = 0; i + 1 < pools.size(); i += 2)
    std::cout << cell(pools[i]) << "   " << cell(pools[i + 1]) << '\n';
  return out;
}

} // namespace

bool run_scaling(const profiles_options& opts, json& out) {
  auto largest = *std::max_element(opts.scaling_sizes.begin(),
                                   opts.scaling_sizes.end());
  auto callers = opts.scaling_callers > 0 ? opts.scaling_callers
                                          : 2 * largest;
  std::vector<scaling_tool> tools{
    {"sleep", fmt::format(R"({{"ms": {}}})", opts.scaling_sleep_ms),
     "I/O-like, releases the GIL", false},
    {"hash_blob", fmt::format(R"({{"mb": {}}})", opts.hash_mb),
     "CPU in native code, releases the GIL", false},
    {"cpu_burn", fmt::format(R"({{"ms": {}}})", opts.burn_ms),
     "pure-Python CPU, holds the GIL", true},
  };
  // Process and thread pool of each size, side by side.
  std::vector<scaling_pool> pools;
  for (int size : opts.scaling_sizes)
    for (auto profile : {worker_profile::process, worker_profile::thread}) {
      scaling_pool p;
      p.profile = profile;
      p.size = size;
      p.throughput.resize(tools.size());
      p.load.resize(tools.size());
      for (size_t t = 0; t < tools.size(); ++t)
        p.load[t].name = tools[t].command;
      p.python_cores.resize(tools.size());
      pools.push_back(std::move(p));
    }
  auto cores = std::thread::hardware_concurrency();
  std::cout << fmt::format(
    "\n## Throughput vs pool size: {} callers, {} round(s) of {:.2g} s per "
    "tool and pool, medians; load average before: {}\n",
    callers, opts.scaling_rounds, opts.scaling_seconds, load_average());
  std::cout << fmt::format(
    "(expected on {} cores: sleep grows with the slots in both profiles, "
    "ideal {:.0f} req/s per slot; hash_blob and cpu_burn at most {}x size 1 "
    "for processes, hash_blob the same for threads (it releases the GIL), "
    "cpu_burn about 1x for threads (the GIL))\n",
    cores, 1000.0 / opts.scaling_sleep_ms, cores);

  auto start = std::chrono::steady_clock::now();
  bool ok = true;
  for (int round = 0; round < opts.scaling_rounds && ok; ++round) {
    std::cout << fmt::format("round {}/{}:", round + 1, opts.scaling_rounds)
              << std::flush;
    for (size_t k = 0; k < pools.size() && ok; ++k) {
      auto& p = pools[(k + round) % pools.size()];
      std::cout << " " << pool_label(p) << std::flush;
      ok = measure_pool(p, tools, opts, callers);
    }
    std::cout << '\n';
  }
  if (!ok) {
    std::cerr << "snakepit_profiles: a pool failed; no scaling results\n";
    return false;
  }
  std::cout << fmt::format(
    "took {:.0f} s; load average after: {}\n",
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count(),
    load_average());
  out = {{"callers", callers},
         {"rounds", opts.scaling_rounds},
         {"seconds", opts.scaling_seconds},
         {"sizes", opts.scaling_sizes},
         {"cores", cores},
         {"sleep_ideal_per_slot", 1000.0 / opts.scaling_sleep_ms},
         {"tools", json::array()}};
  for (size_t t = 0; t < tools.size(); ++t)
    out["tools"].push_back(print_tool(tools[t], t, pools));
  return true;
}

} // namespace snakepit::bench
