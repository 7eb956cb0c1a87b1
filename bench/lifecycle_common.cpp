#include <caf/all.hpp>
#include <fmt/format.h>

#include <sys/resource.h>

#include <algorithm>
#include <iostream>

#include <snakepit/snakepit.hpp>
#include <snakepit/telemetry/bus.hpp>

#include "bench/lifecycle.hpp"
#include "bench/load_driver.hpp"

namespace snakepit::bench {

namespace {

std::string ratio(double num, double den) {
  return den > 0 ? fmt::format("{:.3f}x", num / den) : std::string{"-"};
}

/// Median over the rounds of B's figure divided by A's of the same round.
template <class F>
double median_round_ratio(const ab_side& a, const ab_side& b, F field) {
  std::vector<double> v;
  auto n = std::min(a.summary.rounds.size(), b.summary.rounds.size());
  for (size_t i = 0; i < n; ++i)
    if (auto den = field(a.summary.rounds[i]); den > 0)
      v.push_back(field(b.summary.rounds[i]) / den);
  return median(v);
}

const char* row_format = "{:<30} {:>9} {:>9} {:>9} {:>7} {:>11}\n";

} // namespace

host_config base_config(const std::string& pool_name,
                        const lifecycle_options& opts) {
  auto cfg = default_config();
  cfg.log_level = opts.log_level;
  auto& pool = cfg.pools.front();
  pool.name = pool_name;
  pool.profile = worker_profile::process;
  pool.size = opts.workers;
  pool.startup_concurrency = std::max(pool.startup_concurrency, opts.workers);
  return cfg;
}

std::unique_ptr<host> start_host(const host_config& cfg,
                                 const std::string& label) {
  auto start = std::chrono::steady_clock::now();
  auto started = host::start(cfg);
  if (!started) {
    std::cerr << label << ": cannot start the host: "
              << started.error().message << '\n';
    return nullptr;
  }
  auto h = std::move(*started);
  auto statuses = h->await_ready();
  if (statuses.empty() || !statuses.front().all_ready()) {
    std::cerr << label << ": the pool did not start: "
              << (statuses.empty() ? std::string{"no status"}
                                   : describe(statuses.front().failed))
              << '\n';
    return nullptr;
  }
  std::cout << fmt::format(
    "{}: pool {} of {} workers ready in {:.0f} ms\n", label,
    cfg.pools.front().name, cfg.pools.front().size,
    std::chrono::duration<double, std::milli>(
      std::chrono::steady_clock::now() - start)
      .count());
  return h;
}

bool warm_up(client& c, const std::string& pool, const std::string& command,
             const std::string& args_json, const lifecycle_options& opts) {
  auto r = run_concurrent(c, pool, command, args_json, opts.callers,
                          opts.warmup);
  if (r.calls.failures == 0)
    return true;
  std::cout << fmt::format("warm-up of {}: {} of {} calls failed, e.g. {}\n",
                           pool, r.calls.failures,
                           opts.callers * opts.warmup, r.first_error());
  return false;
}

bool sync_subscriber(caf::actor_system& sys, const caf::actor& who) {
  bool ok = false;
  caf::scoped_actor self{sys};
  self->request(who, std::chrono::seconds{10}, telemetry::sync_atom::value)
    .receive([&](telemetry::sync_atom) { ok = true; },
             [](const caf::error&) {});
  return ok;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

load_result measure_round(ab_side& side, int round, client& c,
                           const std::string& pool, const std::string& command,
                           const std::string& args_json,
                           const lifecycle_options& opts) {
  auto cpu_before = process_cpu_seconds();
  auto r = run_for(c, pool, command, args_json, opts.callers,
                   std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::duration<double>(opts.seconds)));
  auto cpu = process_cpu_seconds() - cpu_before;
  auto s = summarize(r.calls);
  auto requests = r.calls.latencies_ns.size() + r.calls.failures;
  s.cpu_us_per_call = requests > 0 ? cpu * 1e6 / requests : 0;
  side.summary.rounds.push_back(s);
  for (const auto& line : r.failures)
    side.failures.push_back(fmt::format("round {}: {}", round, line));
  if (r.calls.failures > static_cast<int64_t>(r.failures.size()))
    side.failures.push_back(fmt::format(
      "round {}: ... and {} more failures not kept", round,
      r.calls.failures - static_cast<int64_t>(r.failures.size())));
  return r;
}

void print_round_header() {
  std::cout << fmt::format("{:>5}  {:<22} {:>9} {:>9} {:>9} {:>7} {:>11}  {}\n",
                           "round", "config", "req/s", "p50 ms", "p99 ms",
                           "failed", "cpu us/req", "notes");
  std::cout << "(cpu us/req: CPU time of this process, i.e. callers, CAF and "
               "gRPC threads but not Python, per request)\n";
}

void print_round(const ab_side& side, const std::string& extra) {
  const auto& rounds = side.summary.rounds;
  if (rounds.empty())
    return;
  const auto& s = rounds.back();
  std::cout << fmt::format(
    "{:>5}  {:<22} {:>9.1f} {:>9.3f} {:>9.3f} {:>7} {:>11.1f}  {}\n",
    rounds.size(), side.label, s.calls_per_s, s.p50_us / 1000,
    s.p99_us / 1000, s.failures, s.cpu_us_per_call, extra);
}

json print_ab_summary(const ab_side& a, const ab_side& b,
                      std::optional<double> target) {
  std::cout << fmt::format("\nMedians over {} rounds each:\n\n",
                           a.summary.rounds.size());
  std::cout << fmt::format(row_format, "", "req/s", "p50 ms", "p99 ms",
                           "failed", "cpu us/req");
  for (const auto* side : {&a, &b}) {
    const auto& s = side->summary;
    std::cout << fmt::format(row_format, side->label,
                             fmt::format("{:.1f}", s.median_calls_per_s()),
                             fmt::format("{:.3f}", s.median_p50() / 1000),
                             fmt::format("{:.3f}", s.median_p99() / 1000),
                             s.failures(),
                             fmt::format("{:.1f}", s.median_cpu_per_call()));
  }
  const auto& sa = a.summary;
  const auto& sb = b.summary;
  auto tput = sa.median_calls_per_s() > 0
                ? sb.median_calls_per_s() / sa.median_calls_per_s()
                : 0;
  std::cout << fmt::format(
    row_format, "B/A, ratio of the medians",
    ratio(sb.median_calls_per_s(), sa.median_calls_per_s()),
    ratio(sb.median_p50(), sa.median_p50()),
    ratio(sb.median_p99(), sa.median_p99()), "",
    ratio(sb.median_cpu_per_call(), sa.median_cpu_per_call()));
  auto tput_r = median_round_ratio(
    a, b, [](const round_summary& r) { return r.calls_per_s; });
  auto p50_r = median_round_ratio(
    a, b, [](const round_summary& r) { return r.p50_us; });
  auto p99_r = median_round_ratio(
    a, b, [](const round_summary& r) { return r.p99_us; });
  auto cpu_r = median_round_ratio(
    a, b, [](const round_summary& r) { return r.cpu_us_per_call; });
  std::cout << fmt::format(row_format, "B/A, median of round ratios",
                           fmt::format("{:.3f}x", tput_r),
                           fmt::format("{:.3f}x", p50_r),
                           fmt::format("{:.3f}x", p99_r), "",
                           fmt::format("{:.3f}x", cpu_r));
  std::cout << fmt::format("\nthroughput B/A {:.3f}", tput);
  if (target)
    std::cout << fmt::format(" (target >= {:.2f}: {})", *target,
                             tput >= *target ? "met" : "NOT met");
  std::cout << fmt::format(
    "; failed requests: A {}, B {} (target 0: {})\n", sa.failures(),
    sb.failures(), sa.failures() + sb.failures() == 0 ? "met" : "NOT met");
  auto side_json = [](const ab_side& side) {
    auto out = to_json(side.summary);
    out["name"] = side.label;
    return out;
  };
  return {
    {"a", side_json(a)},
    {"b", side_json(b)},
    {"ratios",
     {{"calls_per_s", ratio_json(sb.median_calls_per_s(),
                                 sa.median_calls_per_s())},
      {"p50", ratio_json(sb.median_p50(), sa.median_p50())},
      {"p99", ratio_json(sb.median_p99(), sa.median_p99())},
      {"cpu_us_per_call", ratio_json(sb.median_cpu_per_call(),
                                     sa.median_cpu_per_call())}}},
    {"ratios_per_round",
     {{"calls_per_s", tput_r},
      {"p50", p50_r},
      {"p99", p99_r},
      {"cpu_us_per_call", cpu_r}}},
    {"target", target ? json(*target) : json(nullptr)},
    {"target_met", target ? json(tput >= *target) : json(nullptr)},
    {"failed", sa.failures() + sb.failures()}};
}

json load_json(const lifecycle_options& opts, const std::string& command,
               const std::string& args_json) {
  return {{"tool", command},
          {"args", json::parse(args_json)},
          {"callers", opts.callers},
          {"workers", opts.workers},
          {"rounds", opts.rounds},
          {"seconds", opts.seconds}};
}

void print_failures(const ab_side& side) {
  if (side.failures.empty())
    return;
  std::cout << fmt::format("\nFailed requests of {} ({}):\n", side.label,
                           side.summary.failures());
  for (const auto& line : side.failures)
    std::cout << "  " << line << '\n';
}

} // namespace snakepit::bench
