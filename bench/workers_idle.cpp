// The idle cost of a pool: a pool of N process workers that serves no call,
// measured over --idle-seconds after it is ready and has settled. The
// host's CPU is this process's (getrusage: every thread of the actor
// system, the I/O thread, gRPC's threads); the workers' is the sum of
// /proc/PID/stat over their Python processes. Both transports, every size,
// alternating within each round.

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <iostream>
#include <thread>

#include <snakepit/snakepit.hpp>

#include "bench/workers.hpp"
#include "process/proc_cpu.hpp"

namespace snakepit::bench {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr worker_transport transports[] = {worker_transport::native,
                                           worker_transport::grpc};

/// User plus system CPU seconds of this process, every thread.
double host_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

/// Per size and transport: percent of one core over the rounds.
struct idle_figures {
  std::vector<double> host_pct;
  std::vector<double> workers_pct;
};

/// Starts a pool of `size` workers on `transport`, lets it settle, and
/// measures its idle window; false (and a message) when it did not start.
bool measure_one(int size, worker_transport transport,
                 const workers_options& opts, idle_figures& out) {
  auto label = fmt::format("{} x{}", to_string(transport), size);
  auto cfg = workers_config(size, transport, opts.log_level);
  if (opts.idle_health_ms > 0)
    cfg.pools.front().health_check_interval
      = std::chrono::milliseconds{opts.idle_health_ms};
  auto ready = start_ready(cfg, label);
  if (!ready.h)
    return false;
  std::vector<int> pids;
  for (const auto& w : ready.status.workers)
    pids.push_back(w.info.pid);
  std::this_thread::sleep_for(std::chrono::milliseconds{opts.settle_ms});
  auto t0 = clock_type::now();
  auto host0 = host_cpu_seconds();
  auto workers0 = process::cpu_seconds(pids);
  std::this_thread::sleep_for(
    std::chrono::duration<double>{opts.idle_seconds});
  auto workers1 = process::cpu_seconds(pids);
  auto host1 = host_cpu_seconds();
  auto wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  ready.h->stop();
  out.host_pct.push_back(100 * (host1 - host0) / wall);
  out.workers_pct.push_back(100 * (workers1 - workers0) / wall);
  return true;
}

} // namespace

bool run_idle(const workers_options& opts, json& out) {
  auto health_ms = opts.idle_health_ms > 0
                     ? opts.idle_health_ms
                     : pool_config{}.health_check_interval.count();
  out["health_check_interval_ms"] = health_ms;
  std::cout << fmt::format("\n## Idle cost: CPU of a pool serving nothing "
                           "over {:g} s, % of one core ({} rounds, health "
                           "checks every {} ms, load average {})\n",
                           opts.idle_seconds, opts.idle_rounds,
                           health_ms, load_average());
  auto sizes = opts.idle_sizes;
  std::vector<idle_figures> figs(sizes.size() * 2);
  for (int round = 0; round < opts.idle_rounds; ++round)
    for (size_t s = 0; s < sizes.size(); ++s)
      for (int k = 0; k < 2; ++k) {
        auto i = (k + round) % 2;
        if (!measure_one(sizes[s], transports[i], opts, figs[s * 2 + i]))
          return false;
      }
  std::cout << fmt::format("{:<10} {:>6} {:>22} {:>22} {:>16}\n", "transport",
                           "size", "host %", "workers %",
                           "per worker %");
  for (size_t s = 0; s < sizes.size(); ++s)
    for (int i = 0; i < 2; ++i) {
      const auto& f = figs[s * 2 + i];
      auto name = to_string(transports[i]);
      auto per_worker = median(f.workers_pct) / sizes[s];
      std::cout << fmt::format("{:<10} {:>6} {:>22} {:>22} {:>16.3f}\n",
                               name, sizes[s], spread_text(f.host_pct, 2),
                               spread_text(f.workers_pct, 2), per_worker);
      out[name][std::to_string(sizes[s])]
        = {{"host_pct_of_core", spread_json(f.host_pct)},
           {"workers_pct_of_core", spread_json(f.workers_pct)},
           {"per_worker_pct", per_worker}};
    }
  return true;
}

} // namespace snakepit::bench
