// snakepit_workers_bench: start-up, the fork server, idle cost and
// free-threading (see bench/workers.hpp and docs/performance.md).
//
// Usage: snakepit_workers_bench
//          [--only startup|fork|pools|preload|idle|threads] [--quick]
//          [--startup-rounds 10] [--settle-ms 1000]
//          [--fork-rounds 5] [--pool-sizes 50,100,250] [--pool-rounds 1]
//          [--pool-concurrency 10,50] [--pool-plain-max 1000]
//          [--preload-rounds 2] [--ballast-mb 50]
//          [--idle-sizes 10,100] [--idle-rounds 2] [--idle-seconds 10]
//          [--idle-health-ms 0]
//          [--threads 1,2,4] [--thread-rounds 2] [--burn-requests 10]
//          [--burn-ms 100] [--log-level error] [--json PATH]

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <unistd.h>

#include <snakepit/snakepit.hpp>

#include "bench/cli_options.hpp"
#include "bench/stats.hpp"
#include "bench/workers.hpp"
#include "process/proc_files.hpp"

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

const std::vector<start_mode>& plain_and_fork() {
  static const std::vector<start_mode> modes{{"plain", false, false},
                                             {"fork server", true, false},
                                             {"fork+preload", true, true}};
  return modes;
}

void apply(const start_mode& mode, host_config& cfg) {
  auto& pool = cfg.pools.front();
  pool.fork_server = mode.fork_server;
  pool.preload = mode.preload;
}

std::optional<int> fork_server_of(int pid) {
  auto status
    = process::read_proc_file("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("\nPPid:");
  if (at == std::string::npos)
    return std::nullopt;
  auto ppid = std::atoi(status.c_str() + at + 7);
  if (ppid <= 1 || ppid == ::getpid())
    return std::nullopt;
  return ppid;
}

bool take_turns(int rounds, std::size_t count,
                const std::function<bool(std::size_t)>& measure) {
  for (int round = 0; round < rounds; ++round)
    for (std::size_t k = 0; k < count; ++k)
      if (!measure((k + round) % count))
        return false;
  return true;
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
    ->check(CLI::IsMember(
      {"startup", "fork", "pools", "preload", "idle", "threads"}));
  app.add_option("--startup-rounds", opts.startup_rounds,
                 "Start-up: rounds, each starting one worker per transport")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  app.add_option("--settle-ms", opts.settle_ms,
                 "Pause between all-ready and the idle PSS reading, and "
                 "before the idle window")
    ->capture_default_str()
    ->check(CLI::Range(0, 60000));
  app.add_option("--fork-rounds", opts.fork_rounds,
                 "Fork: rounds, each starting a pool of 8 per way of "
                 "starting, recycling one worker, then all 8")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  app.add_option("--pool-sizes", opts.pool_sizes,
                 "Pools: pool sizes (process workers) started")
    ->delimiter(',')
    ->capture_default_str()
    ->check(CLI::Range(1, 2000));
  app.add_option("--pool-rounds", opts.pool_rounds,
                 "Pools: rounds over every size, concurrency and way of "
                 "starting")
    ->capture_default_str()
    ->check(CLI::Range(1, 100));
  app.add_option("--pool-concurrency", opts.pool_concurrency,
                 "Pools: the pools' startup_concurrency, each value measured")
    ->delimiter(',')
    ->capture_default_str()
    ->check(CLI::Range(1, 2000));
  app.add_option("--pool-plain-max", opts.pool_plain_max,
                 "Pools: skip plain-spawn pools larger than this")
    ->capture_default_str()
    ->check(CLI::Range(0, 2000));
  app.add_option("--preload-rounds", opts.preload_rounds,
                 "Preload: rounds over the three ways of starting")
    ->capture_default_str()
    ->check(CLI::Range(1, 100));
  app.add_option("--ballast-mb", opts.ballast_mb,
                 "Preload: MiB of data the ballast adapter builds at import")
    ->capture_default_str()
    ->check(CLI::Range(1, 4096));
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
               "Smoke test: 2 start-up rounds, 1 fork round, pools of 8 "
               "and 16 at concurrency 10, 1 preload round of 10 MiB, idle "
               "pools of 2 and 10 for 1 round of 1 s, threads 1,2 with 2 "
               "calls of 50 ms, 1 round; unless given explicitly");
  add_log_level_option(app, opts.log_level);
  add_json_option(app, opts.json_path);
  CLI11_PARSE(app, argc, argv);
  if (opts.quick) {
    unless_given(app, "--startup-rounds", opts.startup_rounds, 2);
    unless_given(app, "--settle-ms", opts.settle_ms, 200);
    unless_given(app, "--fork-rounds", opts.fork_rounds, 1);
    unless_given(app, "--pool-sizes", opts.pool_sizes,
                 std::vector<int>{8, 16});
    unless_given(app, "--pool-concurrency", opts.pool_concurrency,
                 std::vector<int>{10});
    unless_given(app, "--ballast-mb", opts.ballast_mb, 10);
    unless_given(app, "--preload-rounds", opts.preload_rounds, 1);
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
  if (wanted("fork"))
    ok = run_fork(opts, report["fork"]);
  if (wanted("pools"))
    ok = run_pools(opts, report["pools"]);
  if (wanted("preload"))
    ok = run_preload(opts, report["preload"]);
  if (wanted("idle"))
    ok = run_idle(opts, report["idle"]);
  if (wanted("threads"))
    ok = run_threads(opts, report["threads"]);
  if (!report.write(opts.json_path, ok))
    ok = false;
  return ok ? 0 : 1;
}
