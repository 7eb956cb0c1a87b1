// snakepit_bench: what a pool costs on top of the bare transports.
//
// In one run, against the same Python worker code (showcase adapter, one
// serving thread), it measures sequential `ping` round trips through
//   - a 1-worker pool on the native transport, called by the blocking
//     snakepit::client, and by an event-based actor,
//   - a 1-worker pool on gRPC in the same host, called by both callers,
//   - a bare C++ gRPC client (sync stub, and callback API) talking to a
//     gRPC worker the bench starts itself on its own socket,
//   - a bare C++ framed client (bench/framed_client) sending `execute`
//     envelopes of the tool `ping` to a native worker of its own,
//   - the floor: the same framed client sending `ping` envelopes to a
//     one-thread Python loop that decodes each frame and answers,
//   - CAF alone (the two callers against a trivial echo actor),
// in alternating rounds so that machine noise hits every path alike; then
// the throughput of both transports under concurrent load (bench/
// throughput), the start-up time of pools of 1, 4 and 8 workers, and
// streams and host calls against one-shot calls (bench/streams).
//
// Usage: snakepit_bench [--rounds N] [--calls N] [--warmup N]
//                       [--throughput-rounds N] [--throughput-ms MS]
//                       [--startup-runs N] [--startup-sizes 1,4,8]
//                       [--stream-rounds N] [--stream-chunks-1k N]
//                       [--stream-chunks-64k N] [--stream-latency-chunks N]
//                       [--host-calls N] [--quick]
//                       [--caf=--scheduler.policy=stealing ...]
//                       [--json PATH]
//
// Actor systems use snakepit::tune_for_latency (the sharing scheduler) unless
// --caf says otherwise.

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <iostream>

#include <snakepit/snakepit.hpp>

#include "bench/cli_options.hpp"
#include "bench/json_report.hpp"
#include "bench/latency.hpp"
#include "bench/startup.hpp"
#include "bench/stats.hpp"
#include "bench/streams.hpp"
#include "bench/throughput.hpp"

namespace {

using namespace snakepit;
using namespace snakepit::bench;

struct options {
  latency_options latency;
  throughput_options throughput;
  streams_options streams;
  int startup_runs = 3;
  std::vector<int> startup_sizes{1, 4, 8};
  std::vector<std::string> caf_args;
  std::string log_level = "warn";
  std::string json_path;
  bool quick = false;
};

/// Measures start-up per pool size into `out`; false if a pool failed to
/// start.
bool run_startup(const options& opts, const system_setup& setup, json& out) {
  std::cout << fmt::format("\nPool start-up, runtime::create to all workers "
                           "ready ({} run(s) per size, ms):\n\n",
                           opts.startup_runs);
  std::cout << fmt::format("{:>7} {:>9} {:>9} {:>9}\n", "workers", "median",
                           "min", "max");
  bool ok = true;
  out = {{"runs", opts.startup_runs}, {"sizes", json::array()}};
  for (int size : opts.startup_sizes) {
    std::vector<double> ms;
    for (int run = 0; run < opts.startup_runs; ++run) {
      auto r = measure_startup(size, setup);
      if (auto* err = std::get_if<std::string>(&r)) {
        std::cerr << "start-up of " << size << " workers failed: " << *err
                  << '\n';
        ok = false;
        break;
      }
      ms.push_back(
        std::chrono::duration<double, std::milli>(
          std::get<std::chrono::nanoseconds>(r))
          .count());
    }
    if (ms.empty())
      continue;
    std::cout << fmt::format("{:>7} {:>9.1f} {:>9.1f} {:>9.1f}\n", size,
                             median(ms), *std::min_element(ms.begin(), ms.end()),
                             *std::max_element(ms.begin(), ms.end()));
    out["sizes"].push_back(
      {{"workers", size},
       {"median_ms", median(ms)},
       {"min_ms", *std::min_element(ms.begin(), ms.end())},
       {"max_ms", *std::max_element(ms.begin(), ms.end())},
       {"runs_ms", ms}});
  }
  return ok;
}

/// What the figures depend on: the machine and the CAF scheduler settings.
/// Returns the CAF settings line.
std::string print_setup(const options& opts) {
  std::cout << fmt::format("snakepit_bench: {}\n", machine_line());
  std::string caf = "snakepit::tune_for_latency (scheduler.policy=sharing)";
  if (!opts.caf_args.empty())
    caf += fmt::format(", then {}", fmt::join(opts.caf_args, " "));
  std::cout << "CAF settings: " << caf << '\n';
  return caf;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  CLI::App app{"Snakepit benchmark: pool round-trip latency on both "
               "transports against bare clients and the floor, throughput "
               "of both transports, pool start-up time, and streams and "
               "host calls against one-shot calls"};
  app.add_option("--rounds", opts.latency.rounds,
                 "Alternating rounds of the latency section (0 skips it)")
    ->capture_default_str()
    ->check(CLI::Range(0, 1000));
  app.add_option("--calls", opts.latency.calls, "Calls per path and round")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000000));
  app.add_option("--warmup", opts.latency.warmup, "Warm-up calls per path")
    ->capture_default_str()
    ->check(CLI::Range(0, 10000000));
  app.add_option("--throughput-rounds", opts.throughput.rounds,
                 "Rounds of the throughput section (0 skips it)")
    ->capture_default_str()
    ->check(CLI::Range(0, 100));
  int burst_ms = static_cast<int>(opts.throughput.burst.count());
  app.add_option("--throughput-ms", burst_ms,
                 "Length of each throughput burst, milliseconds")
    ->capture_default_str()
    ->check(CLI::Range(10, 600000));
  app.add_option("--startup-runs", opts.startup_runs,
                 "Start-up measurements per pool size (0 skips them)")
    ->capture_default_str()
    ->check(CLI::Range(0, 100));
  app.add_option("--startup-sizes", opts.startup_sizes,
                 "Pool sizes whose start-up is measured")
    ->delimiter(',')
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  auto& st = opts.streams;
  app.add_option("--stream-rounds", st.rounds,
                 "Rounds of the streams and host calls section (0 skips it)")
    ->capture_default_str()
    ->check(CLI::Range(0, 100));
  app.add_option("--stream-chunks-1k", st.chunks_1k,
                 "Chunks of a 1 KiB stream (and one-shot calls of its path)")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000000));
  app.add_option("--stream-chunks-64k", st.chunks_64k,
                 "Chunks of a 64 KiB stream (at most 500: one call carries "
                 "them all)")
    ->capture_default_str()
    ->check(CLI::Range(1, 500));
  app.add_option("--stream-latency-chunks", st.latency_chunks,
                 "Chunks of a window-1 stream, and pings per round")
    ->capture_default_str()
    ->check(CLI::Range(2, 1000000));
  app.add_option("--host-calls", st.host_calls,
                 "Host calls per Python loop")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000000));
  app.add_flag("--quick", opts.quick,
               "Small numbers for a smoke test (2 rounds x 50 calls, 1 "
               "throughput round of 200 ms bursts, 1 start-up run of 1 and "
               "2 workers, 2 stream rounds of 200 1 KiB and 20 64 KiB "
               "chunks, 100 window-1 chunks, 50 host calls) unless given "
               "explicitly");
  app.add_option("--caf", opts.caf_args,
                 "CAF option for every actor system, applied after "
                 "snakepit::tune_for_latency, e.g. "
                 "--caf=--scheduler.policy=stealing for CAF's default "
                 "(repeatable)");
  add_log_level_option(app, opts.log_level);
  add_json_option(app, opts.json_path);
  CLI11_PARSE(app, argc, argv);
  if (opts.quick) {
    unless_given(app, "--rounds", opts.latency.rounds, 2);
    unless_given(app, "--calls", opts.latency.calls, 50);
    unless_given(app, "--warmup", opts.latency.warmup, 20);
    unless_given(app, "--throughput-rounds", opts.throughput.rounds, 1);
    unless_given(app, "--throughput-ms", burst_ms, 200);
    unless_given(app, "--startup-runs", opts.startup_runs, 1);
    unless_given(app, "--startup-sizes", opts.startup_sizes,
                 std::vector<int>{1, 2});
    unless_given(app, "--stream-rounds", st.rounds, 2);
    unless_given(app, "--stream-chunks-1k", st.chunks_1k, 200);
    unless_given(app, "--stream-chunks-64k", st.chunks_64k, 20);
    unless_given(app, "--stream-latency-chunks", st.latency_chunks, 100);
    unless_given(app, "--host-calls", st.host_calls, 50);
  }
  opts.throughput.burst = std::chrono::milliseconds{burst_ms};
  spdlog::set_level(spdlog::level::from_str(opts.log_level));

  // What the library recommends (and snakepit::host does), unless --caf
  // overrides it, e.g. --caf=--scheduler.policy=stealing for CAF's default.
  // (`prepare` has applied tune_for_latency before `setup` runs.)
  system_setup setup = [&opts](caf::actor_system_config& cfg) {
    if (!opts.caf_args.empty())
      cfg.parse(opts.caf_args);
  };
  json_report report{"snakepit_bench", argc, argv};
  report["caf_settings"] = print_setup(opts);
  bool ok = true;
  if (opts.latency.rounds > 0)
    ok = run_latency(opts.latency, setup, report["latency"]);
  if (opts.throughput.rounds > 0)
    ok = run_throughput(opts.throughput, setup, report["throughput"]) && ok;
  if (opts.startup_runs > 0)
    ok = run_startup(opts, setup, report["startup"]) && ok;
  if (st.rounds > 0)
    ok = run_streams(st, setup, report["streams"]) && ok;
  ok = report.write(opts.json_path, ok) && ok;
  return ok ? 0 : 1;
}
