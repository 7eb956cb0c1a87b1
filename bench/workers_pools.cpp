// Large pools (issue 13): host::start until every worker is ready, for
// pools of --pool-sizes native process workers, plain spawns against the
// fork server, at each --pool-concurrency (the pool's
// startup_concurrency: how many workers start at once). Sizes,
// concurrencies and the two ways of starting take turns within each
// round (the first way alternating). Beside the wall time, where the time
// went: the CPU this process (the host) used meanwhile, and the CPU of the
// pool's Python processes (the workers, and the fork server) when all
// were ready, so that "CPU-bound on 2 cores" and "one serial fork server"
// can be told apart from the numbers.

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <set>

#include <snakepit/snakepit.hpp>

#include "bench/workers.hpp"
#include "process/proc_cpu.hpp"

namespace snakepit::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// One size, concurrency and way of starting over the rounds.
struct pool_figures {
  std::vector<double> ready_ms;
  std::vector<double> host_cpu_s;
  std::vector<double> workers_cpu_s;
  std::vector<double> server_cpu_s;
};

/// Starts and stops one pool; false (and a message) when it did not start.
bool measure_one(int size, int concurrency, const start_mode& mode,
                 const workers_options& opts, pool_figures& out) {
  auto cfg = workers_config(size, worker_transport::native, opts.log_level);
  apply(mode, cfg);
  cfg.pools.front().startup_concurrency = concurrency;
  // 50 plain starts at once on a loaded 2-core machine can take more than
  // the default 20 s each; the time is what is measured, not a failure.
  cfg.pools.front().startup_timeout = std::chrono::minutes{2};
  auto label = fmt::format("{} x{} (concurrency {})", mode.name, size,
                           concurrency);
  auto cpu0 = process_cpu_us();
  auto start = clock_type::now();
  auto ready = start_ready(cfg, label);
  auto elapsed = clock_type::now() - start;
  auto host_cpu = (process_cpu_us() - cpu0) / 1e6;
  if (!ready.h)
    return false;
  std::vector<int> pids;
  std::set<int> servers;
  std::size_t forked = 0;
  for (const auto& w : ready.status.workers) {
    pids.push_back(w.info.pid);
    if (auto server = fork_server_of(w.info.pid)) {
      servers.insert(*server);
      ++forked;
    }
  }
  if (mode.fork_server && forked < pids.size())
    std::cout << fmt::format("note: {}: {} of {} workers started the plain "
                             "way\n",
                             label, pids.size() - forked, pids.size());
  out.ready_ms.push_back(
    std::chrono::duration<double, std::milli>(elapsed).count());
  out.host_cpu_s.push_back(host_cpu);
  out.workers_cpu_s.push_back(process::cpu_seconds(pids));
  out.server_cpu_s.push_back(
    process::cpu_seconds(std::vector<int>(servers.begin(), servers.end())));
  ready.h->stop();
  return true;
}

bool skipped(int size, const start_mode& mode, const workers_options& opts) {
  return !mode.fork_server && size > opts.pool_plain_max;
}

} // namespace

bool run_pools(const workers_options& opts, json& out) {
  std::cout << fmt::format(
    "\n## Large pools: host start to all workers ready, plain spawns against "
    "the fork server, native transport ({} rounds, load average {})\n",
    opts.pool_rounds, load_average());
  const auto& modes = plain_and_fork();
  const auto& sizes = opts.pool_sizes;
  const auto& concs = opts.pool_concurrency;
  auto index = [&](std::size_t s, std::size_t c, std::size_t m) {
    return (s * concs.size() + c) * modes.size() + m;
  };
  std::vector<pool_figures> figs(sizes.size() * concs.size() * modes.size());
  for (int round = 0; round < opts.pool_rounds; ++round)
    for (std::size_t s = 0; s < sizes.size(); ++s)
      for (std::size_t c = 0; c < concs.size(); ++c)
        for (std::size_t k = 0; k < modes.size(); ++k) {
          auto m = (k + round) % modes.size();
          if (!skipped(sizes[s], modes[m], opts)
              && !measure_one(sizes[s], concs[c], modes[m], opts,
                              figs[index(s, c, m)]))
            return false;
        }
  std::cout << fmt::format("{:<12} {:>5} {:>5} {:>22} {:>10} {:>10} {:>10} "
                           "{:>10} {:>8} {:>12}\n",
                           "start", "size", "conc", "all ready ms",
                           "ms/worker", "host cpu s", "py cpu s",
                           "server s", "cores", "plain/fork");
  for (std::size_t s = 0; s < sizes.size(); ++s)
    for (std::size_t c = 0; c < concs.size(); ++c)
      for (std::size_t m = 0; m < modes.size(); ++m) {
        const auto& f = figs[index(s, c, m)];
        if (f.ready_ms.empty())
          continue;
        auto ms = median(f.ready_ms);
        auto cpu = median(f.host_cpu_s) + median(f.workers_cpu_s)
                   + median(f.server_cpu_s);
        const auto& plain = figs[index(s, c, 0)].ready_ms;
        auto vs_fork = modes[m].fork_server && !plain.empty()
                         ? ratio_text(median(plain), ms)
                         : std::string{};
        std::cout << fmt::format(
          "{:<12} {:>5} {:>5} {:>22} {:>10.1f} {:>10.2f} {:>10.2f} "
          "{:>10.2f} {:>8.2f} {:>12}\n",
          modes[m].name, sizes[s], concs[c], spread_text(f.ready_ms, 0),
          ms / sizes[s], median(f.host_cpu_s), median(f.workers_cpu_s),
          median(f.server_cpu_s), cpu / (ms / 1000), vs_fork);
        auto& o = out[modes[m].name][std::to_string(sizes[s])]
                     [std::to_string(concs[c])];
        o = {{"ready_ms", spread_json(f.ready_ms)},
             {"ms_per_worker", ms / sizes[s]},
             {"host_cpu_s", spread_json(f.host_cpu_s)},
             {"workers_cpu_s", spread_json(f.workers_cpu_s)},
             {"fork_server_cpu_s", spread_json(f.server_cpu_s)},
             {"cores_used", cpu / (ms / 1000)}};
        if (modes[m].fork_server && !plain.empty())
          o["plain_over_fork"] = ratio_json(median(plain), ms);
      }
  std::cout << "(cores: host, workers' and fork server's CPU over the wall "
               "time; 2 is all of this machine)\n";
  // The target's figures: every way of starting with the fork server.
  for (std::size_t m = 1; m < modes.size(); ++m)
    for (std::size_t c = 0; c < concs.size(); ++c)
      for (std::size_t s = 0; s < sizes.size(); ++s)
        if (sizes[s] == 100 && !figs[index(s, c, m)].ready_ms.empty()) {
          auto ms = median(figs[index(s, c, m)].ready_ms);
          std::cout << fmt::format("target: 100 workers ready in < 2000 ms, "
                                   "{}, concurrency {}: {:.0f} ms: {}\n",
                                   modes[m].name, concs[c], ms,
                                   ms < 2000 ? "met" : "NOT met");
        }
  out["sizes"] = sizes;
  out["concurrency"] = concs;
  out["plain_max"] = opts.pool_plain_max;
  return true;
}

} // namespace snakepit::bench
