// snakepit_lifecycle_bench: what worker recycling and telemetry cost a pool
// under steady load, and what inspecting it costs.
//
// Four comparisons, each in one run with alternating rounds (A, B, A, B,
// ...) so that machine noise hits both sides alike; each prints its rounds,
// the medians over the rounds and the ratios B/A:
//   1. recycling off (A) vs on (B): `sleep` requests on two hosts side by
//      side, B recycling each worker every few seconds by
//      `worker_max_requests` (lifecycle_recycling.cpp);
//   2. telemetry off (A) vs on (B): `ping` requests on one host, B with a
//      counting subscriber and the Prometheus endpoint attached
//      (lifecycle_telemetry.cpp);
//   3. inspector off (A) vs on (B): `ping` requests on one host, B with a
//      thread calling client::inspect every 100 ms; plus the latency of one
//      inspection, idle and under that load (lifecycle_inspector.cpp);
//   4. recycling under churn: `echo` from 8 callers, B recycling after 25
//      requests, one B per way of starting workers (plain spawns, the fork
//      server, the fork server with 2 spares) against one A without
//      recycling (lifecycle_churn.cpp).
// Exit code 1 when any request failed or a comparison could not measure
// what it claims (no recycle happened, the endpoint did not answer).
//
// Usage: snakepit_lifecycle_bench [--rounds 20] [--seconds 1] [--callers 4]
//          [--workers 2] [--sleep-ms 5] [--recycle-every 3]
//          [--max-requests N] [--warmup 50]
//          [--telemetry-b both|exporter|subscriber]
//          [--inspect-every-ms 100] [--inspections 200]
//          [--churn-callers 8] [--churn-max-requests 25]
//          [--only recycling|telemetry|inspector|churn]
//          [--quick] [--log-level warn] [--json PATH]

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>

#include "bench/cli_options.hpp"
#include "bench/lifecycle.hpp"

int main(int argc, char** argv) {
  using snakepit::bench::lifecycle_options;
  namespace bench = snakepit::bench;
  lifecycle_options opts;
  CLI::App app{"Snakepit lifecycle benchmark: the cost of worker recycling "
               "and of telemetry under steady load, A/B in alternating "
               "rounds"};
  app.add_option("--rounds", opts.rounds, "A/B pairs of rounds per comparison")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  app.add_option("--seconds", opts.seconds, "Length of each measured round")
    ->capture_default_str()
    ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--callers", opts.callers,
                 "Concurrent callers, each sending one request at a time")
    ->capture_default_str()
    ->check(CLI::Range(1, 256));
  app.add_option("--workers", opts.workers,
                 "Worker processes of every pool (process profile)")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--sleep-ms", opts.sleep_ms,
                 "Recycling comparison: milliseconds each `sleep` request "
                 "takes in Python")
    ->capture_default_str()
    ->check(CLI::Range(0, 10000));
  app.add_option("--recycle-every", opts.recycle_every_s,
                 "Recycling comparison: seconds between recycles of each "
                 "worker of B, at the calibrated rate (sizes "
                 "worker_max_requests)")
    ->capture_default_str()
    ->check(CLI::Range(0.01, 3600.0));
  app.add_option("--max-requests", opts.max_requests,
                 "Recycling comparison: B's worker_max_requests, instead of "
                 "computing it from the calibration round")
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_option("--warmup", opts.warmup,
                 "Warm-up calls per caller on every pool before its first "
                 "round")
    ->capture_default_str()
    ->check(CLI::Range(0, 1000000));
  app.add_option("--telemetry-b", opts.telemetry_b,
                 "Telemetry comparison, what B attaches: both (a counting "
                 "subscriber and the Prometheus endpoint), exporter, or "
                 "subscriber")
    ->capture_default_str()
    ->check(CLI::IsMember({"both", "exporter", "subscriber"}));
  app.add_option("--inspect-every-ms", opts.inspect_every_ms,
                 "Inspector comparison: B inspects the pool this often")
    ->capture_default_str()
    ->check(CLI::Range(1, 60000));
  app.add_option("--inspections", opts.inspections,
                 "Inspector comparison: inspections of the idle pool")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000000));
  app.add_option("--churn-callers", opts.churn_callers,
                 "Churn comparison: concurrent callers")
    ->capture_default_str()
    ->check(CLI::Range(1, 256));
  app.add_option("--churn-max-requests", opts.churn_max_requests,
                 "Churn comparison: B's worker_max_requests")
    ->capture_default_str()
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_option("--only", opts.only, "Run one comparison only")
    ->check(
      CLI::IsMember({"recycling", "telemetry", "inspector", "churn"}));
  app.add_flag("--quick", opts.quick,
               "Smoke test: 2 rounds of 0.5 s, a recycle of each worker "
               "about every 0.25 s, 10 warm-up calls per caller, 50 idle "
               "inspections, unless given explicitly");
  bench::add_log_level_option(app, opts.log_level);
  bench::add_json_option(app, opts.json_path);
  CLI11_PARSE(app, argc, argv);
  if (opts.quick) {
    bench::unless_given(app, "--rounds", opts.rounds, 2);
    bench::unless_given(app, "--seconds", opts.seconds, 0.5);
    bench::unless_given(app, "--recycle-every", opts.recycle_every_s, 0.25);
    bench::unless_given(app, "--warmup", opts.warmup, 10);
    bench::unless_given(app, "--inspections", opts.inspections, 50);
  }
  spdlog::set_level(spdlog::level::from_str(opts.log_level));

  auto start = std::chrono::steady_clock::now();
  bench::json_report report{"snakepit_lifecycle_bench", argc, argv};
  std::cout << fmt::format("snakepit_lifecycle_bench: {}\n",
                           bench::machine_line());
  std::cout << fmt::format(
    "{} round(s) of {:.2g} s per side and comparison, {} callers, pools of "
    "{} workers; load average before: {}\n",
    opts.rounds, opts.seconds, opts.callers, opts.workers,
    bench::load_average());

  bool ok = true;
  auto wanted = [&opts](const char* name) {
    return opts.only.empty() || opts.only == name;
  };
  if (wanted("recycling"))
    ok = bench::run_recycling(opts, report["recycling"]) && ok;
  if (wanted("telemetry"))
    ok = bench::run_telemetry(opts, report["telemetry"]) && ok;
  if (wanted("inspector"))
    ok = bench::run_inspector(opts, report["inspector"]) && ok;
  if (wanted("churn"))
    ok = bench::run_churn(opts, report["churn"]) && ok;

  std::cout << fmt::format(
    "\ntook {:.0f} s; load average after: {}\n",
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count(),
    bench::load_average());
  ok = report.write(opts.json_path, ok) && ok;
  if (!ok)
    std::cout << "snakepit_lifecycle_bench: FAILED (see above)\n";
  return ok ? 0 : 1;
}
