// cpu_burn on the thread profile: one worker of N threads on the
// free-threaded interpreter against the GIL one (/usr/bin/python3), N
// callers each sending cpu_burn calls one after the other. cpu_burn loops
// for a wall-clock time, so its calls/s grows with N even when the GIL
// lets one thread run at a time; the work done (loop iterations per
// second, and the CPU the worker used) is what tells parallel from
// interleaved. Speedups divide by the same interpreter's 1-thread figure.
// The interpreters and thread counts alternate within each round; both
// run the native transport (grpcio has no free-threaded build).

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <snakepit/snakepit.hpp>

#include "bench/load_driver.hpp"
#include "bench/workers.hpp"
#include "process/proc_cpu.hpp"

namespace snakepit::bench {

namespace {

/// One interpreter under test.
struct interpreter {
  std::string label; // "free-threaded"
  std::string path;
};

/// Per interpreter and thread count, over the rounds.
struct burn_figures {
  std::vector<double> iterations_per_s;
  std::vector<double> calls_per_s;
  std::vector<double> cores;
  bool gil_enabled = true;
};

/// $SNAKEPIT_FREE_THREADED_PYTHON, else the default prefix of
/// scripts/free-threaded-python.sh (which may not exist).
std::string free_threaded_python() {
  if (const char* env = std::getenv("SNAKEPIT_FREE_THREADED_PYTHON"))
    return env;
  return "/opt/snakepit/python3.13t/bin/python3.13t";
}

/// One worker of `threads` threads on `python`, `threads` callers of
/// cpu_burn; false (and a message) when it did not start or a call failed.
bool measure_one(const interpreter& py, int threads,
                 const workers_options& opts, burn_figures& out) {
  auto cfg = workers_config(1, worker_transport::native, opts.log_level);
  auto& pool = cfg.pools.front();
  pool.profile = worker_profile::thread;
  pool.threads_per_worker = threads;
  pool.python = py.path;
  auto label = fmt::format("{} x{}", py.label, threads);
  auto ready = start_ready(cfg, label);
  if (!ready.h)
    return false;
  auto& h = *ready.h;
  const auto& info = ready.status.workers.front().info;
  out.gil_enabled = info.gil_enabled;
  auto args = fmt::format(R"({{"ms": {}}})", opts.burn_ms);
  // One call per slot first: the first call pays for imports and caches.
  run_concurrent(h.client(), pool.name, "cpu_burn", args, threads, 1);
  auto cpu0 = process::cpu_seconds(info.pid);
  auto r = run_concurrent(h.client(), pool.name, "cpu_burn", args, threads,
                          opts.burn_requests);
  auto cpu1 = process::cpu_seconds(info.pid);
  h.stop();
  if (!r.first_error().empty()) {
    std::cerr << label << ": " << r.calls.failures << " calls failed, e.g. "
              << r.first_error() << '\n';
    return false;
  }
  auto wall = std::chrono::duration<double>(r.calls.wall).count();
  out.iterations_per_s.push_back(r.iterations / wall);
  out.calls_per_s.push_back(
    static_cast<double>(r.calls.latencies_ns.size()) / wall);
  out.cores.push_back(cpu0 && cpu1 ? (*cpu1 - *cpu0) / wall : 0);
  return true;
}

} // namespace

bool run_threads(const workers_options& opts, json& out) {
  std::vector<interpreter> pys{{"GIL", default_python()}};
  auto ft = free_threaded_python();
  std::cout << fmt::format("\n## cpu_burn {} ms on one thread worker, N "
                           "callers, free-threaded against the GIL ({} "
                           "rounds, load average {})\n",
                           opts.burn_ms, opts.thread_rounds, load_average());
  std::error_code ec;
  if (!std::filesystem::exists(ft, ec)) {
    std::cout << "free-threaded half skipped: no interpreter at " << ft
              << " ($SNAKEPIT_FREE_THREADED_PYTHON, else the default of "
                 "scripts/free-threaded-python.sh, which builds it)\n";
    out["free_threaded_skipped"] = true;
  } else {
    pys.push_back({"free-threaded", ft});
  }
  const auto& threads = opts.threads;
  std::vector<burn_figures> figs(pys.size() * threads.size());
  for (int round = 0; round < opts.thread_rounds; ++round)
    for (size_t k = 0; k < pys.size(); ++k) {
      auto p = (k + round) % pys.size();
      for (size_t t = 0; t < threads.size(); ++t)
        if (!measure_one(pys[p], threads[t], opts,
                         figs[p * threads.size() + t]))
          return false;
    }
  std::cout << fmt::format("{:<14} {:>4} {:>4} {:>26} {:>8} {:>18} {:>18}\n",
                           "interpreter", "GIL", "N", "iterations/s (M)",
                           "speedup", "calls/s", "worker cores");
  for (size_t p = 0; p < pys.size(); ++p) {
    auto& section = out[pys[p].label];
    section["python"] = pys[p].path;
    auto base = median(figs[p * threads.size()].iterations_per_s);
    for (size_t t = 0; t < threads.size(); ++t) {
      const auto& f = figs[p * threads.size() + t];
      std::vector<double> mega;
      for (auto v : f.iterations_per_s)
        mega.push_back(v / 1e6);
      auto speedup = base > 0 ? median(f.iterations_per_s) / base : 0;
      std::cout << fmt::format(
        "{:<14} {:>4} {:>4} {:>26} {:>7.2f}x {:>18} {:>18}\n", pys[p].label,
        f.gil_enabled ? "on" : "off", threads[t], spread_text(mega, 2),
        speedup, spread_text(f.calls_per_s, 1), spread_text(f.cores, 2));
      section["gil_enabled"] = f.gil_enabled;
      section[std::to_string(threads[t])]
        = {{"iterations_per_s", spread_json(f.iterations_per_s)},
           {"speedup", speedup},
           {"calls_per_s", spread_json(f.calls_per_s)},
           {"worker_cores", spread_json(f.cores)}};
    }
  }
  return true;
}

} // namespace snakepit::bench
