// Spawn to ready from a fork server against plain spawns (issue 13). Each
// round starts, for each way of starting in turn (the first one
// alternating from round to round), a host with a pool of 8 native
// workers and times host::start until all 8 are ready: the cold start,
// which with the fork server includes starting the fork server itself
// (timed apart from the host log: "started the fork server" to "the fork
// server is ready"). Then, in the running pool, it recycles one worker
// (one worker starting alone) and then all 8 at once (max_concurrent_recycles
// and startup_concurrency 8): their `worker_started` events give each
// worker's spawn-to-ready, and the span from the first launch to the last
// ready is the time until all 8 were ready. The worker starting alone's
// page faults at ready, times what one copy-on-write fault costs on this
// machine, show how much of its start is copying the fork server's pages.

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <thread>

#include <snakepit/snakepit.hpp>

#include "bench/fault_cost.hpp"
#include "bench/start_watch.hpp"
#include "bench/workers.hpp"

namespace snakepit::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// Workers of each pool, all recycled at once in the second step.
constexpr int batch = 8;

/// How long a recycle may take before the round counts as failed.
constexpr std::chrono::seconds recycle_patience{60};

/// One way of starting's figures over the rounds, milliseconds.
struct fork_figures {
  std::vector<double> cold_all;
  std::vector<double> server;
  std::vector<double> one;
  std::vector<double> one_faults;
  std::vector<double> each_of_8;
  std::vector<double> all_8;
};

/// Recycles `worker` (empty: all) of the pool and waits for `n`
/// replacements; false (and a message) when they did not all start.
bool recycle_and_wait(ready_host& ready, start_events& events,
                      const std::string& worker, std::size_t n,
                      std::vector<started_worker>& out) {
  auto& pool = ready.status.name;
  auto ack = ready.h->client().recycle(pool, worker);
  if (!ack) {
    std::cerr << "recycle: " << ack.error().message << '\n';
    return false;
  }
  out = events.take(n, recycle_patience);
  if (out.size() < n) {
    std::cerr << fmt::format("recycle: {} of {} replacements started within "
                             "{} s\n",
                             out.size(), n, recycle_patience.count());
    return false;
  }
  return true;
}

/// One round of `mode`: the cold start, one recycle, 8 at once.
bool measure_one(const start_mode& mode, const workers_options& opts,
                 fork_server_log& log, fork_figures& out) {
  auto cfg = workers_config(batch, worker_transport::native, opts.log_level);
  apply(mode, cfg);
  cfg.pools.front().max_concurrent_recycles = batch;
  auto start = clock_type::now();
  auto ready = start_ready(cfg, mode.name);
  auto elapsed = clock_type::now() - start;
  if (!ready.h)
    return false;
  out.cold_all.push_back(
    std::chrono::duration<double, std::milli>(elapsed).count());
  for (auto ms : log.take_ready_ms())
    out.server.push_back(ms);
  start_events events{ready.h->system()};
  auto settle = std::chrono::milliseconds{opts.settle_ms};
  std::this_thread::sleep_for(settle);
  std::vector<started_worker> started;
  bool ok = recycle_and_wait(ready, events, ready.status.workers.front().id,
                             1, started);
  if (ok) {
    out.one.push_back(started.front().startup_ms);
    if (started.front().minor_faults >= 0)
      out.one_faults.push_back(started.front().minor_faults);
    std::this_thread::sleep_for(settle);
    ok = recycle_and_wait(ready, events, {}, batch, started);
  }
  if (ok) {
    for (const auto& w : started)
      out.each_of_8.push_back(w.startup_ms);
    out.all_8.push_back(span_ms(started));
  }
  ready.h->stop();
  return ok;
}

/// The page faults of the worker starting alone, and what they cost at
/// this machine's price of a copy-on-write fault.
void print_fault_floor(const std::vector<start_mode>& modes,
                       const std::vector<fork_figures>& figs, json& out) {
  auto fault_us = cow_fault_microseconds();
  if (!fault_us) {
    std::cout << "(the cost of a page fault could not be measured)\n";
    return;
  }
  std::cout << fmt::format("one copy-on-write page fault on this machine: "
                           "{:.2f} us (median of 5 forks, 4096 pages each)\n",
                           *fault_us);
  for (std::size_t i = 0; i < modes.size(); ++i) {
    if (figs[i].one_faults.empty())
      continue;
    auto faults = median(figs[i].one_faults);
    auto ms = faults * *fault_us / 1000;
    std::cout << fmt::format("{:<12} 1 alone: {:.0f} page faults by ready, "
                             "about {:.1f} ms of its {:.1f} ms\n",
                             modes[i].name, faults, ms, median(figs[i].one));
    out[modes[i].name]["one_alone_page_faults"] = spread_json(figs[i].one_faults);
  }
  out["cow_fault_us"] = *fault_us;
}

} // namespace

bool run_fork(const workers_options& opts, json& out) {
  std::cout << fmt::format(
    "\n## Spawn to ready: fork server against plain spawns, native "
    "transport, pools of {} ({} rounds, load average {})\n",
    batch, opts.fork_rounds, load_average());
  const auto& modes = plain_and_fork();
  std::vector<fork_figures> figs(modes.size());
  {
    fork_server_log log{opts.log_level};
    if (!take_turns(opts.fork_rounds, modes.size(), [&](std::size_t i) {
          return measure_one(modes[i], opts, log, figs[i]);
        }))
      return false;
  }
  std::cout << fmt::format("{:<12} {:>22} {:>22} {:>22} {:>22} {:>22}\n",
                           "start", "cold: 8 ready ms", "fork server ms",
                           "1 alone ms", "each of 8 ms", "all 8 ready ms");
  for (std::size_t i = 0; i < modes.size(); ++i) {
    const auto& f = figs[i];
    std::cout << fmt::format("{:<12} {:>22} {:>22} {:>22} {:>22} {:>22}\n",
                             modes[i].name, spread_text(f.cold_all, 0),
                             spread_text(f.server, 0), spread_text(f.one, 1),
                             spread_text(f.each_of_8, 1),
                             spread_text(f.all_8, 0));
    out[modes[i].name] = {{"cold_all_ready_ms", spread_json(f.cold_all)},
                          {"fork_server_ready_ms", spread_json(f.server)},
                          {"one_alone_ms", spread_json(f.one)},
                          {"each_of_8_ms", spread_json(f.each_of_8)},
                          {"all_8_ready_ms", spread_json(f.all_8)}};
  }
  print_fault_floor(modes, figs, out);
  const auto& plain = figs[0];
  auto met = true;
  json ratios;
  for (std::size_t i = 1; i < modes.size(); ++i) {
    const auto& fork = figs[i];
    std::cout << fmt::format(
      "plain / {} (medians): cold 8 {}, 1 alone {}, each of 8 {}, all 8 {}\n",
      modes[i].name, ratio_text(median(plain.cold_all), median(fork.cold_all)),
      ratio_text(median(plain.one), median(fork.one)),
      ratio_text(median(plain.each_of_8), median(fork.each_of_8)),
      ratio_text(median(plain.all_8), median(fork.all_8)));
    auto alone = median(fork.one);
    auto each = median(fork.each_of_8);
    auto mode_met = alone <= 20 && each <= 20;
    met = met && mode_met;
    std::cout << fmt::format("target: <= 20 ms per worker, {}: alone {:.1f} "
                             "ms, each of 8 {:.1f} ms: {}\n",
                             modes[i].name, alone, each,
                             mode_met ? "met" : "NOT met");
    ratios[modes[i].name]
      = {{"cold_all_ready", ratio_json(median(plain.cold_all),
                                       median(fork.cold_all))},
         {"one_alone", ratio_json(median(plain.one), median(fork.one))},
         {"each_of_8",
          ratio_json(median(plain.each_of_8), median(fork.each_of_8))},
         {"all_8_ready", ratio_json(median(plain.all_8), median(fork.all_8))}};
  }
  out["workers"] = batch;
  out["plain_over_fork"] = std::move(ratios);
  out["target_ms"] = 20;
  out["target_met"] = met;
  return true;
}

} // namespace snakepit::bench
