// snakepit_bench's latency section: sequential `ping` round trips through
// every path (bench/main.cpp lists them), in alternating rounds, and the
// ratios against the targets.

#include "bench/latency.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iostream>

#include <snakepit/snakepit.hpp>

#include "actors/worker_environment.hpp"
#include "bench/bare_worker.hpp"
#include "bench/framed_client.hpp"
#include "bench/pool_paths.hpp"
#include "bench/stats.hpp"
#include "bench/wakeups.hpp"

namespace snakepit::bench {

namespace {

/// One measured path: a name, a key for the JSON document, a function
/// running `calls` calls, and what the rounds gave.
struct path {
  std::string name;
  std::string key;
  std::function<samples(int)> run;
  /// The Python process serving the path (0: none).
  int worker_pid = 0;
  path_summary summary;
  /// The latencies of every round, for the distribution.
  std::vector<int64_t> all_ns;
};

/// One path's p50 and p99 divided by another's: the ratio of the medians
/// over the rounds, and the median of the per-round ratios (the two paths
/// ran back to back in each round, so slow drifts of machine load cancel
/// out).
struct path_ratio {
  double p50 = 0;
  double p50_per_round = 0;
  double p99 = 0;
  double p99_per_round = 0;
};

/// What a ratio's p50 should be: at most `bound` (an overhead), or at least
/// (a speed-up); `moonshot`, when set, a second, harder bound of the same
/// kind.
struct ratio_target {
  double bound = 0;
  bool at_least = false;
  double moonshot = 0;

  bool met(double ratio, double b) const {
    return at_least ? ratio >= b : ratio <= b;
  }
};

/// The issue 10 target of the pool's overhead on gRPC.
constexpr ratio_target grpc_overhead{1.15, false, 0};
/// The pool on the native transport against the floor.
constexpr ratio_target native_floor{3.0, false, 1.5};
/// The gRPC pool against the native one: native at least 4x faster.
constexpr ratio_target native_speedup{4.0, true, 0};

const char* pool_name = "bench";
const char* grpc_pool_name = "bench_grpc";

void print_table(const std::vector<path>& paths,
                 const latency_options& opts) {
  std::cout << fmt::format(
    "\nSequential `ping` round trips: {} rounds x {} calls per path, "
    "after {} warm-up calls.\nMedians over the rounds, microseconds; "
    "'pool run': the pool's own dispatch-to-reply\ntime; 'cpu/call': CPU "
    "time of the bench process (not Python) per call; 'sleeps':\n"
    "voluntary context switches per call (each one a wake-up on the "
    "call's path), of the\nbench process and of the Python process "
    "serving the path ('py'), with its CPU per call.\n\n",
    opts.rounds, opts.calls, opts.warmup);
  std::cout << fmt::format(
    "{:<42} {:>7} {:>7} {:>7} {:>8} {:>13} {:>8} {:>8} {:>6} {:>8} {:>6}\n",
    "path", "p50", "p99", "mean", "calls/s", "p50 min..max", "pool run",
    "cpu/call", "sleeps", "py cpu", "py sl");
  for (const auto& p : paths) {
    const auto& s = p.summary;
    auto inner = s.median_inner_p50();
    auto shown = [](bool known, double x) {
      return known ? fmt::format("{:.1f}", x) : std::string{"-"};
    };
    std::cout << fmt::format(
      "{:<42} {:>7.1f} {:>7.1f} {:>7.1f} {:>8.0f} {:>13} {:>8} {:>8.1f} "
      "{:>6.2f} {:>8} {:>6}\n",
      p.name, s.median_p50(), s.median_p99(), s.median_mean(),
      s.median_calls_per_s(),
      fmt::format("{:.0f}..{:.0f}", s.min_p50(), s.max_p50()),
      shown(inner > 0, inner), s.median_cpu_per_call(),
      s.median_host_sleeps_per_call(),
      shown(p.worker_pid > 0, s.median_worker_cpu_per_call()),
      p.worker_pid > 0
        ? fmt::format("{:.2f}", s.median_worker_sleeps_per_call())
        : std::string{"-"});
  }
}

path_ratio compute_ratio(const path& pool, const path& bare) {
  std::vector<double> p50s;
  std::vector<double> p99s;
  auto n = std::min(pool.summary.rounds.size(), bare.summary.rounds.size());
  for (size_t r = 0; r < n; ++r) {
    p50s.push_back(pool.summary.rounds[r].p50_us
                   / bare.summary.rounds[r].p50_us);
    p99s.push_back(pool.summary.rounds[r].p99_us
                   / bare.summary.rounds[r].p99_us);
  }
  return {pool.summary.median_p50() / bare.summary.median_p50(),
          median(p50s),
          pool.summary.median_p99() / bare.summary.median_p99(),
          median(p99s)};
}

/// Prints num/den for p50 and p99 against `target` and returns them as
/// JSON (`pool` names the numerator, `bare` the denominator).
json print_ratio(const char* what, const path& num, const path& den,
                 ratio_target target) {
  auto verdict = [&](double ratio) {
    auto text = fmt::format("target {} {:.2f}x: {}",
                            target.at_least ? ">=" : "<=", target.bound,
                            target.met(ratio, target.bound) ? "met"
                                                            : "NOT met");
    if (target.moonshot > 0)
      text += fmt::format(", moonshot {} {:.2f}x: {}",
                          target.at_least ? ">=" : "<=", target.moonshot,
                          target.met(ratio, target.moonshot) ? "met"
                                                             : "NOT met");
    return text;
  };
  auto r = compute_ratio(num, den);
  std::cout << fmt::format("ratio p50 {}: {:.2f}x (per-round median {:.2f}x; "
                           "{})\n",
                           what, r.p50, r.p50_per_round, verdict(r.p50));
  std::cout << fmt::format("ratio p99 {}: {:.2f}x (per-round median {:.2f}x)"
                           "\n",
                           what, r.p99, r.p99_per_round);
  json out{{"name", what},
           {"pool", num.key},
           {"bare", den.key},
           {"p50", r.p50},
           {"p50_per_round", r.p50_per_round},
           {"p99", r.p99},
           {"p99_per_round", r.p99_per_round},
           {"target", target.bound},
           {"target_at_least", target.at_least},
           {"p50_met", target.met(r.p50, target.bound)}};
  if (target.moonshot > 0) {
    out["moonshot"] = target.moonshot;
    out["p50_moonshot_met"] = target.met(r.p50, target.moonshot);
  }
  return out;
}

/// The processes of the bare paths: a gRPC worker, a native worker and
/// the floor's loop.
struct bare_processes {
  std::unique_ptr<bare_worker> grpc;
  std::unique_ptr<bare_worker> native;
  std::unique_ptr<bare_worker> floor;
};

/// Starts the three bare processes, or says why it could not.
std::variant<bare_processes, std::string>
start_bare(const std::string& python, const std::string& python_dir) {
  bare_processes out;
  std::pair<bare_kind, std::unique_ptr<bare_worker>*> wanted[] = {
    {bare_kind::grpc_worker, &out.grpc},
    {bare_kind::native_worker, &out.native},
    {bare_kind::floor, &out.floor}};
  for (auto& [kind, slot] : wanted) {
    auto w = bare_worker::start(kind, python, python_dir,
                                std::chrono::seconds{60});
    if (auto* err = std::get_if<std::string>(&w))
      return *err;
    *slot = std::move(std::get<std::unique_ptr<bare_worker>>(w));
  }
  return out;
}

/// The two pools of the latency rounds, same worker code, one per
/// transport.
struct bench_pools {
  pool_actor native;
  pool_actor grpc;
};

/// Measures every path in alternating rounds against the ready pools and
/// the bare processes, prints the results and records them in `out`; false
/// if calls failed.
bool measure_paths(caf::actor_system& sys, client& c,
                   const bench_pools& pools, const bare_processes& bare,
                   const std::pair<int, int>& pool_pids,
                   const latency_options& opts, json& out) {
  bare_client bare_grpc{bare.grpc->address()};
  framed_client bare_native{bare.native->address()};
  framed_client floor{bare.floor->address()};
  if (!bare_native.connected() || !floor.connected()) {
    std::cerr << "cannot connect to the bare native worker or the floor\n";
    return false;
  }
  auto echo = spawn_echo(sys);
  // One caller actor drives both targets, so it holds them untyped.
  actor_caller native_caller{sys, caf::actor_cast<caf::actor>(pools.native),
                             actor_caller::target_kind::pool_ping, pool_name};
  actor_caller grpc_caller{sys, caf::actor_cast<caf::actor>(pools.grpc),
                           actor_caller::target_kind::pool_ping,
                           grpc_pool_name};
  actor_caller echo_caller{sys, echo, actor_caller::target_kind::echo};
  using kind = framed_client::call_kind;
  std::vector<path> paths;
  auto add = [&](const char* name, const char* key, int worker_pid,
                 std::function<samples(int)> run) {
    paths.push_back({name, key, std::move(run), worker_pid, {}, {}});
  };
  auto [native_pid, grpc_pid] = pool_pids;
  add("native pool, blocking snakepit::client", "native_pool_blocking",
      native_pid, [&](int n) { return run_pool_blocking(c, pool_name, n); });
  add("native pool, event-based actor caller", "native_pool_actor",
      native_pid, [&](int n) { return native_caller.run(n); });
  add("gRPC pool, blocking snakepit::client", "grpc_pool_blocking", grpc_pid,
      [&](int n) { return run_pool_blocking(c, grpc_pool_name, n); });
  add("gRPC pool, event-based actor caller", "grpc_pool_actor", grpc_pid,
      [&](int n) { return grpc_caller.run(n); });
  add("bare gRPC, sync stub", "bare_sync", bare.grpc->pid(),
      [&](int n) { return bare_grpc.run_sync(n); });
  add("bare gRPC, callback API + cv wait", "bare_callback", bare.grpc->pid(),
      [&](int n) { return bare_grpc.run_async(n); });
  add("bare native: framed client -> worker", "bare_native",
      bare.native->pid(),
      [&](int n) { return bare_native.run(kind::execute_ping, n); });
  add("floor: framed client -> 1-thread loop", "floor", bare.floor->pid(),
      [&](int n) { return floor.run(kind::ping, n); });
  add("CAF only: scoped_actor per call -> echo", "caf_scoped_echo", 0,
      [&](int n) { return run_scoped_echo(sys, echo, n); });
  add("CAF only: event-based actor -> echo", "caf_actor_echo", 0,
      [&](int n) { return echo_caller.run(n); });
  for (auto& p : paths) {
    p.summary.name = p.name;
    p.run(opts.warmup);
  }
  // Alternate the paths within each round and rotate who goes first.
  for (int r = 0; r < opts.rounds; ++r)
    for (size_t i = 0; i < paths.size(); ++i) {
      auto& p = paths[(i + r) % paths.size()];
      auto cpu_before = process_cpu_us();
      auto sleeps_before = own_sleeps();
      auto py_cpu_before = p.worker_pid > 0 ? cpu_us_of(p.worker_pid) : 0;
      auto py_sleeps_before = p.worker_pid > 0 ? sleeps_of(p.worker_pid) : 0;
      auto calls = p.run(opts.calls);
      p.all_ns.insert(p.all_ns.end(), calls.latencies_ns.begin(),
                      calls.latencies_ns.end());
      auto summary = summarize(std::move(calls));
      summary.cpu_us_per_call = (process_cpu_us() - cpu_before) / opts.calls;
      summary.host_sleeps_per_call
        = static_cast<double>(own_sleeps() - sleeps_before) / opts.calls;
      if (p.worker_pid > 0) {
        summary.worker_cpu_us_per_call
          = (cpu_us_of(p.worker_pid) - py_cpu_before) / opts.calls;
        summary.worker_sleeps_per_call
          = static_cast<double>(sleeps_of(p.worker_pid) - py_sleeps_before)
            / opts.calls;
      }
      p.summary.rounds.push_back(summary);
    }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);

  print_table(paths, opts);
  std::cout << '\n';
  out = {{"rounds", opts.rounds},
         {"calls", opts.calls},
         {"warmup", opts.warmup},
         {"paths", json::array()},
         {"ratios", json::array()}};
  for (const auto& p : paths) {
    json row{{"key", p.key}};
    row.update(to_json(p.summary));
    row["percentiles_us"] = percentiles_json(p.all_ns);
    out["paths"].push_back(std::move(row));
  }
  const auto& native_blocking = paths[0];
  const auto& native_actor = paths[1];
  const auto& grpc_blocking = paths[2];
  const auto& grpc_actor = paths[3];
  const auto& bare_sync = paths[4];
  const auto& floor_path = paths[7];
  auto& ratios = out["ratios"];
  ratios.push_back(print_ratio("native pool(blocking client)/floor",
                               native_blocking, floor_path, native_floor));
  ratios.push_back(print_ratio("native pool(actor caller)/floor",
                               native_actor, floor_path, native_floor));
  ratios.push_back(print_ratio("gRPC pool/native pool (blocking client)",
                               grpc_blocking, native_blocking,
                               native_speedup));
  ratios.push_back(print_ratio("gRPC pool/native pool (actor caller)",
                               grpc_actor, native_actor, native_speedup));
  ratios.push_back(print_ratio("gRPC pool(blocking client)/bare(sync stub)",
                               grpc_blocking, bare_sync, grpc_overhead));
  ratios.push_back(print_ratio("gRPC pool(actor caller)/bare(sync stub)",
                               grpc_actor, bare_sync, grpc_overhead));
  bool ok = true;
  for (const auto& p : paths)
    if (p.summary.failures() > 0) {
      std::cerr << p.name << ": " << p.summary.failures() << " calls failed\n";
      ok = false;
    }
  return ok;
}

/// The pid of the first worker of the 1-worker pool `name`, 0 if unknown.
int worker_pid(client& c, const std::string& name) {
  auto status = c.status(name);
  if (!status || status->workers.empty())
    return 0;
  return status->workers.front().info.pid;
}

} // namespace

bool run_latency(const latency_options& opts, const system_setup& setup,
                 json& out) {
  auto cfg = default_config();
  cfg.pools.front().name = pool_name;
  cfg.pools.front().size = 1;
  cfg.pools.front().transport = worker_transport::native;
  cfg.pools.push_back(cfg.pools.front());
  cfg.pools.back().name = grpc_pool_name;
  cfg.pools.back().transport = worker_transport::grpc;
  auto env = bootstrap(cfg, setup);
  if (!env) {
    std::cerr << describe(env.error()) << '\n';
    return false;
  }
  auto& sys = (*env)->system();
  const auto& rt = (*env)->runtime();
  auto root = spawn_host(sys, cfg, rt);
  bool ok = false;
  { // Scoped actors (inside the client, too) must be gone before the wait.
    client c{sys, root, pool_name};
    auto failed = await_pools(c, cfg);
    bench_pools pools{lookup_pool(sys, root, pool_name),
                      lookup_pool(sys, root, grpc_pool_name)};
    std::pair<int, int> pool_pids{worker_pid(c, pool_name),
                                  worker_pid(c, grpc_pool_name)};
    auto bare = start_bare(cfg.pools.front().python, rt->env()->python_path);
    if (!failed.empty() || !pools.native || !pools.grpc)
      std::cerr << "the bench pools did not start:" << failed << '\n';
    else if (auto* err = std::get_if<std::string>(&bare))
      std::cerr << *err << '\n';
    else
      ok = measure_paths(sys, c, pools, std::get<bare_processes>(bare),
                         pool_pids, opts, out);
  }
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  return ok; // `env` waits for the tree, then stops the runtime
}

} // namespace snakepit::bench
