#include "bench/throughput.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <array>
#include <iostream>

#include <snakepit/snakepit.hpp>

#include "bench/load_driver.hpp"
#include "bench/stats.hpp"

namespace snakepit::bench {

namespace {

/// One load of the section: a pool shape, how many callers, which tool.
struct load_case {
  std::string label;
  worker_profile profile = worker_profile::process;
  int callers = 0;
  std::string command;
  std::string args;
};

/// A pool shape and its callers: process 4x1 with 8 callers, thread 1x4
/// with 4.
struct pool_shape {
  const char* label;
  worker_profile profile;
  int size;
  int threads;
  int callers;
};

constexpr pool_shape shapes[] = {
  {"process 4x1, 8 callers", worker_profile::process, 4, 1, 8},
  {"thread 1x4, 4 callers", worker_profile::thread, 1, 4, 4},
};

constexpr worker_transport transports[] = {worker_transport::native,
                                           worker_transport::grpc};

/// "tp_process_native".
std::string pool_name(worker_profile profile, worker_transport t) {
  return "tp_" + to_string(profile) + "_" + to_string(t);
}

json ratio_row(const path_summary& native, const path_summary& grpc) {
  return {{"calls_per_s", ratio_json(native.median_calls_per_s(),
                                     grpc.median_calls_per_s())},
          {"cpu_us_per_call", ratio_json(native.median_cpu_per_call(),
                                         grpc.median_cpu_per_call())},
          {"p50", ratio_json(native.median_p50(), grpc.median_p50())}};
}

/// One burst of `c` on the pool of `t`: its summary with the bench
/// process's CPU per successful call.
round_summary burst(client& c, const load_case& lc, worker_transport t,
                    std::chrono::milliseconds length) {
  auto cpu_before = process_cpu_us();
  auto r = run_for(c, pool_name(lc.profile, t), lc.command, lc.args,
                   lc.callers, length);
  auto cpu = process_cpu_us() - cpu_before;
  auto ok_calls = static_cast<double>(r.calls.latencies_ns.size());
  auto failures = r.calls.failures;
  if (failures > 0)
    std::cerr << lc.label << " on " << to_string(t) << ": " << failures
              << " calls failed; first: " << r.first_error() << '\n';
  auto s = summarize(std::move(r.calls));
  s.cpu_us_per_call = ok_calls > 0 ? cpu / ok_calls : 0;
  return s;
}

void print(const std::vector<load_case>& cases,
           const std::vector<std::array<path_summary, 2>>& figures,
           const throughput_options& opts) {
  std::cout << fmt::format(
    "\nThroughput, both transports: {} round(s) x {} ms per load and "
    "transport,\ntransports alternating; medians over the rounds. "
    "'cpu/call': CPU time of the\nbench process (the host, not Python) "
    "per successful call, microseconds.\n\n",
    opts.rounds, opts.burst.count());
  std::cout << fmt::format("{:<38} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8}\n",
                           "load", "native/s", "gRPC/s", "x calls",
                           "n cpu", "g cpu", "cpu n/g");
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& n = figures[i][0];
    const auto& g = figures[i][1];
    auto div = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    std::cout << fmt::format(
      "{:<38} {:>9.0f} {:>9.0f} {:>7.2f}x {:>8.1f} {:>8.1f} {:>7.2f}x\n",
      cases[i].label, n.median_calls_per_s(), g.median_calls_per_s(),
      div(n.median_calls_per_s(), g.median_calls_per_s()),
      n.median_cpu_per_call(), g.median_cpu_per_call(),
      div(n.median_cpu_per_call(), g.median_cpu_per_call()));
  }
  std::cout << "targets on ping: native >= 4x gRPC's calls/s, <= 0.25x its "
               "host CPU per call\n";
}

/// Runs the rounds on the ready pools; false if calls failed.
bool measure(client& c, const throughput_options& opts, json& out) {
  std::vector<load_case> cases;
  for (const auto& shape : shapes)
    for (auto [tool, args] : {std::pair{"ping", "{}"},
                              std::pair{"sleep", "{\"ms\": 5}"}})
      cases.push_back({fmt::format("{}, {}", shape.label, tool),
                       shape.profile, shape.callers, tool, args});
  std::vector<std::array<path_summary, 2>> figures(cases.size());
  // A short warm-up burst per pool, not recorded.
  for (const auto& lc : cases)
    for (auto t : transports)
      burst(c, lc, t, std::chrono::milliseconds{100});
  bool ok = true;
  for (int r = 0; r < opts.rounds; ++r)
    for (size_t i = 0; i < cases.size(); ++i)
      for (int k = 0; k < 2; ++k) {
        int side = (k + r + static_cast<int>(i)) % 2;
        auto s = burst(c, cases[i], transports[side], opts.burst);
        ok = ok && s.failures == 0;
        figures[i][side].rounds.push_back(s);
      }
  print(cases, figures, opts);
  out = {{"rounds", opts.rounds},
         {"burst_ms", opts.burst.count()},
         {"loads", json::array()}};
  for (size_t i = 0; i < cases.size(); ++i) {
    json row{{"label", cases[i].label},
             {"profile", to_string(cases[i].profile)},
             {"callers", cases[i].callers},
             {"command", cases[i].command},
             {"native", to_json(figures[i][0])},
             {"grpc", to_json(figures[i][1])},
             {"native_vs_grpc", ratio_row(figures[i][0], figures[i][1])}};
    out["loads"].push_back(std::move(row));
  }
  return ok;
}

} // namespace

bool run_throughput(const throughput_options& opts,
                    const system_setup& setup, json& out) {
  auto cfg = default_config();
  auto base = cfg.pools.front();
  cfg.pools.clear();
  for (const auto& shape : shapes)
    for (auto t : transports) {
      auto pool = base;
      pool.name = pool_name(shape.profile, t);
      pool.profile = shape.profile;
      pool.size = shape.size;
      pool.threads_per_worker = shape.threads;
      pool.transport = t;
      cfg.pools.push_back(pool);
    }
  auto env = bootstrap(cfg, setup);
  if (!env) {
    std::cerr << describe(env.error()) << '\n';
    return false;
  }
  auto& sys = (*env)->system();
  auto root = spawn_host(sys, cfg, (*env)->runtime());
  bool ok = true;
  { // The client's scoped actors must be gone before the wait.
    client c{sys, root, cfg.pools.front().name};
    for (const auto& pool : cfg.pools) {
      auto status = c.await_ready(pool.name, std::chrono::seconds{60});
      if (!status || !status->all_ready()) {
        std::cerr << "throughput pool " << pool.name << " did not start\n";
        ok = false;
      }
    }
    if (ok)
      ok = measure(c, opts, out);
  }
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  return ok;
}

} // namespace snakepit::bench
