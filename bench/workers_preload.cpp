// Idle memory of 8 workers of an adapter that holds --ballast-mb MiB of
// real data from import on (python/tests/snakepit_test_adapters/ballast.py),
// started three ways: plain spawns, forked from a fork server that did
// not preload the adapter, and forked from one that did (`preload = true`:
// the fork server imported the module, so the data's pages are shared
// copy-on-write). The three take turns within each round (the first one
// rotating); after --settle-ms the PSS of the workers and of the fork
// server is read from /proc/PID/smaps_rollup.

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <thread>

#include <snakepit/snakepit.hpp>

#include "bench/workers.hpp"
#include "process/proc_memory.hpp"

namespace snakepit::bench {

namespace {

constexpr int workers = 8;

const std::vector<start_mode>& preload_modes() {
  static const std::vector<start_mode> modes{
    {"plain", false, false},
    {"fork server", true, false},
    {"fork server + preload", true, true}};
  return modes;
}

/// One way of starting over the rounds, MiB.
struct preload_figures {
  std::vector<double> workers_pss;
  std::vector<double> server_pss;
  std::vector<double> total_pss;
  std::vector<double> workers_dirty;
  std::vector<double> ready_ms;
};

double mib(long kib) {
  return kib / 1024.0;
}

bool measure_one(const start_mode& mode, const workers_options& opts,
                 preload_figures& out) {
  auto cfg = workers_config(workers, worker_transport::native, opts.log_level);
  apply(mode, cfg);
  auto& pool = cfg.pools.front();
  pool.adapter = "snakepit_test_adapters.ballast.BallastAdapter";
  pool.env["PYTHONPATH"] = SNAKEPIT_BENCH_ADAPTERS_DIR;
  pool.env["SNAKEPIT_BALLAST_MB"] = std::to_string(opts.ballast_mb);
  auto start = std::chrono::steady_clock::now();
  auto ready = start_ready(cfg, mode.name);
  auto elapsed = std::chrono::steady_clock::now() - start;
  if (!ready.h)
    return false;
  std::this_thread::sleep_for(std::chrono::milliseconds{opts.settle_ms});
  std::vector<int> pids;
  for (const auto& w : ready.status.workers)
    pids.push_back(w.info.pid);
  auto server = fork_server_of(pids.front());
  auto reading = process::read_memory(pids);
  auto server_reading = server ? process::read_memory(*server)
                               : process::memory_reading{};
  ready.h->stop();
  for (const auto* r : {&reading, &server_reading})
    if (!r->error.empty()) {
      std::cerr << mode.name << ": " << r->error << '\n';
      return false;
    }
  if (mode.fork_server != server.has_value()) {
    std::cerr << mode.name << ": the workers were "
              << (server ? "" : "not ") << "forked by a fork server\n";
    return false;
  }
  out.workers_pss.push_back(mib(reading.memory.pss));
  out.server_pss.push_back(mib(server_reading.memory.pss));
  out.total_pss.push_back(
    mib(reading.memory.pss + server_reading.memory.pss));
  out.workers_dirty.push_back(mib(reading.memory.dirty));
  out.ready_ms.push_back(
    std::chrono::duration<double, std::milli>(elapsed).count());
  return true;
}

} // namespace

bool run_preload(const workers_options& opts, json& out) {
  std::cout << fmt::format(
    "\n## Idle memory of {} workers holding {} MiB each: plain, forked, "
    "forked after a preload ({} rounds, load average {})\n",
    workers, opts.ballast_mb, opts.preload_rounds, load_average());
  const auto& modes = preload_modes();
  std::vector<preload_figures> figs(modes.size());
  if (!take_turns(opts.preload_rounds, modes.size(), [&](std::size_t i) {
        return measure_one(modes[i], opts, figs[i]);
      }))
    return false;
  std::cout << fmt::format("{:<22} {:>20} {:>16} {:>20} {:>20} {:>16} {:>9}\n",
                           "start", "workers PSS MiB", "server PSS MiB",
                           "total PSS MiB", "workers dirty MiB",
                           "all ready ms", "vs plain");
  auto plain_total = median(figs[0].total_pss);
  for (std::size_t i = 0; i < modes.size(); ++i) {
    const auto& f = figs[i];
    std::cout << fmt::format(
      "{:<22} {:>20} {:>16} {:>20} {:>20} {:>16} {:>9}\n", modes[i].name,
      spread_text(f.workers_pss, 1), spread_text(f.server_pss, 1),
      spread_text(f.total_pss, 1), spread_text(f.workers_dirty, 1),
      spread_text(f.ready_ms, 0),
      ratio_text(median(f.total_pss), plain_total));
    out[modes[i].name] = {{"workers_pss_mib", spread_json(f.workers_pss)},
                          {"fork_server_pss_mib", spread_json(f.server_pss)},
                          {"total_pss_mib", spread_json(f.total_pss)},
                          {"workers_private_dirty_mib",
                           spread_json(f.workers_dirty)},
                          {"all_ready_ms", spread_json(f.ready_ms)},
                          {"total_vs_plain",
                           ratio_json(median(f.total_pss), plain_total)}};
  }
  out["workers"] = workers;
  out["ballast_mb"] = opts.ballast_mb;
  return true;
}

} // namespace snakepit::bench
