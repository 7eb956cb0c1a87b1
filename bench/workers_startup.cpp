// Start-up time and idle PSS of one worker per transport: a native worker
// never imports grpcio, a gRPC one does. Each round starts a fresh host
// with one process worker on each transport in turn (the first one
// alternates from round to round), times host::start until the worker is
// ready, waits --settle-ms and reads /proc/PID/smaps_rollup of the idle
// worker.

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <thread>

#include <snakepit/snakepit.hpp>

#include "bench/workers.hpp"
#include "process/proc_memory.hpp"

namespace snakepit::bench {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr worker_transport transports[] = {worker_transport::native,
                                           worker_transport::grpc};

/// One transport's figures over the rounds.
struct startup_figures {
  std::vector<double> ready_ms;
  std::vector<double> pss_mib;
  std::vector<double> rss_mib;
  std::vector<double> dirty_mib;
};

/// Starts one worker on `transport`, records its start-up and idle memory;
/// false (and a message) when it did not start.
bool measure_one(worker_transport transport, const workers_options& opts,
                 startup_figures& out) {
  auto start = clock_type::now();
  auto ready = start_ready(workers_config(1, transport, opts.log_level),
                           to_string(transport));
  auto elapsed = clock_type::now() - start;
  if (!ready.h)
    return false;
  out.ready_ms.push_back(
    std::chrono::duration<double, std::milli>(elapsed).count());
  std::this_thread::sleep_for(std::chrono::milliseconds{opts.settle_ms});
  auto reading
    = process::read_memory(ready.status.workers.front().info.pid);
  ready.h->stop();
  if (!reading.error.empty()) {
    std::cerr << to_string(transport) << ": " << reading.error << '\n';
    return false;
  }
  out.pss_mib.push_back(reading.memory.pss / 1024.0);
  out.rss_mib.push_back(reading.memory.rss / 1024.0);
  out.dirty_mib.push_back(reading.memory.dirty / 1024.0);
  return true;
}

} // namespace

bool run_startup(const workers_options& opts, json& out) {
  std::cout << fmt::format("\n## Start-up and idle memory of one worker, "
                           "native against gRPC ({} rounds, load average "
                           "{})\n",
                           opts.startup_rounds, load_average());
  startup_figures figs[2];
  for (int round = 0; round < opts.startup_rounds; ++round)
    for (int k = 0; k < 2; ++k) {
      auto i = (k + round) % 2;
      if (!measure_one(transports[i], opts, figs[i]))
        return false;
    }
  std::cout << fmt::format("{:<10} {:>26} {:>22} {:>22} {:>22}\n",
                           "transport", "spawn-to-ready ms", "PSS MiB",
                           "RSS MiB", "Private_Dirty MiB");
  for (int i = 0; i < 2; ++i) {
    const auto& f = figs[i];
    auto name = to_string(transports[i]);
    std::cout << fmt::format("{:<10} {:>26} {:>22} {:>22} {:>22}\n", name,
                             spread_text(f.ready_ms, 0),
                             spread_text(f.pss_mib, 1),
                             spread_text(f.rss_mib, 1),
                             spread_text(f.dirty_mib, 1));
    out[name] = {{"ready_ms", spread_json(f.ready_ms)},
                 {"pss_mib", spread_json(f.pss_mib)},
                 {"rss_mib", spread_json(f.rss_mib)},
                 {"private_dirty_mib", spread_json(f.dirty_mib)}};
  }
  auto ready_ratio = median(figs[1].ready_ms) / median(figs[0].ready_ms);
  auto pss_ratio = median(figs[1].pss_mib) / median(figs[0].pss_mib);
  std::cout << fmt::format("gRPC / native (medians): start-up {:.2f}x, "
                           "PSS {:.2f}x\n",
                           ready_ratio, pss_ratio);
  out["grpc_over_native"] = {{"ready", ready_ratio}, {"pss", pss_ratio}};
  return true;
}

} // namespace snakepit::bench
