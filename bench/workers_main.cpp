// snakepit_workers_bench: idle cost, start-up and free-threading (see
// bench/workers.hpp and docs/performance.md).
//
// Usage: snakepit_workers_bench [--only startup|idle|threads] [--quick]
//          [--startup-rounds 10] [--settle-ms 1000]
//          [--idle-sizes 10,100] [--idle-rounds 2] [--idle-seconds 10]
//          [--idle-health-ms 0]
//          [--threads 1,2,4] [--thread-rounds 2] [--burn-requests 10]
//          [--burn-ms 100] [--log-level error] [--json PATH]

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

#include <snakepit/snakepit.hpp>

#include "bench/cli_options.hpp"
#include "bench/stats.hpp"
#include "bench/workers.hpp"

namespace snakepit::bench {

host_config workers_config(int size, worker_transport transport,
                           const std::string& log_level) {
  auto cfg = default_config();
  cfg.log_level = log_level;
  auto& pool = cfg.pools.front();
  pool.name = "workers";
  pool.size = size;
  pool.transport = transport;
  pool.startup_concurrency
    = std::max(pool.startup_concurrency, std::min(size, 10));
  return cfg;
}

ready_host start_ready(const host_config& cfg, const std::string& label) {
  auto started = host::start(cfg);
  if (!started) {
    std::cerr << label << ": " << started.error().message << '\n';
    return {};
  }
  auto statuses = (*started)->await_ready();
  if (statuses.empty() || !statuses.front().all_ready()) {
    std::cerr << label << ": the pool did not start: "
              << (statuses.empty() ? std::string{"no status"}
                                   : describe(statuses.front().failed))
              << '\n';
    return {};
  }
  return {std::move(*started), std::move(statuses.front())};
}

std::string spread_text(const std::vector<double>& values, int digits) {
  if (values.empty())
    return "-";
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return fmt::format("{:.{}f} ({:.{}f}-{:.{}f})", median(values), digits,
                     *lo, digits, *hi, digits);
}

json spread_json(const std::vector<double>& values) {
  if (values.empty())
    return nullptr;
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return {{"median", median(values)},
          {"min", *lo},
          {"max", *hi},
          {"values", values}};
}

} // namespace snakepit::bench

int main(int argc, char** argv) {
  using namespace snakepit::bench;
  workers_options opts;
  CLI::App app{"Snakepit workers benchmark: start-up and idle PSS per "
               "transport, idle CPU of a pool, cpu_burn on the thread "
               "profile free-threaded against the GIL"};
  app.add_option("--only", opts.only, "Run one section only")
    ->check(CLI::IsMember({"startup", "idle", "threads"}));
  app.add_option("--startup-rounds", opts.startup_rounds,
                 "Start-up: rounds, each starting one worker per transport")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  app.add_option("--settle-ms", opts.settle_ms,
                 "Pause between all-ready and the idle PSS reading, and "
                 "before the idle window")
    ->capture_default_str()
    ->check(CLI::Range(0, 60000));
  app.add_option("--idle-sizes", opts.idle_sizes,
                 "Idle: pool sizes (process workers) measured")
    ->delimiter(',')
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  app.add_option("--idle-rounds", opts.idle_rounds,
                 "Idle: rounds over every size and transport")
    ->capture_default_str()
    ->check(CLI::Range(1, 100));
  app.add_option("--idle-seconds", opts.idle_seconds,
                 "Idle: seconds measured per pool and round")
    ->capture_default_str()
    ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--idle-health-ms", opts.idle_health_ms,
                 "Idle: health_check_interval of the pools, ms (0: the "
                 "default)")
    ->capture_default_str()
    ->check(CLI::Range(0, 86400000));
  app.add_option("--threads", opts.threads,
                 "Threads: threads of the one worker (and concurrent "
                 "callers); include 1, the speedups divide by it")
    ->delimiter(',')
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--thread-rounds", opts.thread_rounds,
                 "Threads: rounds over every interpreter and thread count")
    ->capture_default_str()
    ->check(CLI::Range(1, 100));
  app.add_option("--burn-requests", opts.burn_requests,
                 "Threads: cpu_burn calls per caller and round")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--burn-ms", opts.burn_ms,
                 "Threads: milliseconds of busy loop per cpu_burn call")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000));
  app.add_flag("--quick", opts.quick,
               "Smoke test: 2 start-up rounds, idle pools of 2 and 10 for "
               "1 round of 1 s, threads 1,2 with 2 calls of 50 ms, 1 "
               "round; unless given explicitly");
  add_log_level_option(app, opts.log_level);
  add_json_option(app, opts.json_path);
  CLI11_PARSE(app, argc, argv);
  if (opts.quick) {
    unless_given(app, "--startup-rounds", opts.startup_rounds, 2);
    unless_given(app, "--settle-ms", opts.settle_ms, 200);
    unless_given(app, "--idle-sizes", opts.idle_sizes, std::vector<int>{2, 10});
    unless_given(app, "--idle-rounds", opts.idle_rounds, 1);
    unless_given(app, "--idle-seconds", opts.idle_seconds, 1.0);
    unless_given(app, "--threads", opts.threads, std::vector<int>{1, 2});
    unless_given(app, "--thread-rounds", opts.thread_rounds, 1);
    unless_given(app, "--burn-requests", opts.burn_requests, 2);
    unless_given(app, "--burn-ms", opts.burn_ms, 50);
  }
  spdlog::set_level(spdlog::level::from_str(opts.log_level));

  json_report report{"snakepit_workers_bench", argc, argv};
  std::cout << fmt::format("snakepit_workers_bench: {}\n", machine_line());
  bool ok = true;
  auto wanted = [&](const char* name) {
    return ok && (opts.only.empty() || opts.only == name);
  };
  if (wanted("startup"))
    ok = run_startup(opts, report["startup"]);
  if (wanted("idle"))
    ok = run_idle(opts, report["idle"]);
  if (wanted("threads"))
    ok = run_threads(opts, report["threads"]);
  if (!report.write(opts.json_path, ok))
    ok = false;
  return ok ? 0 : 1;
}
