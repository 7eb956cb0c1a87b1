// snakepit_bench's streams section: the tables, the ratios and the JSON of
// the rounds bench/streams.cpp measured.

#include "bench/streams_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "bench/stats.hpp"

namespace snakepit::bench {

namespace {

constexpr double mib = 1024.0 * 1024.0;

using field = double round_figures::*;

/// One ratio between two paths' figures: the ratio of the medians, and the
/// median of the per-round ratios (both paths ran in every round).
struct ratio_def {
  std::string name;
  std::string num;
  field num_field;
  std::string den;
  field den_field;
};

struct ratio_value {
  double of_medians = 0;
  double per_round = 0;
};

using path_index = std::map<std::string, const stream_path*>;

ratio_value compute(const path_index& by_key, const ratio_def& r) {
  const auto& num = *by_key.at(r.num);
  const auto& den = *by_key.at(r.den);
  std::vector<double> per_round;
  auto n = std::min(num.rounds.size(), den.rounds.size());
  for (size_t i = 0; i < n; ++i)
    if (den.rounds[i].*r.den_field > 0)
      per_round.push_back(num.rounds[i].*r.num_field
                          / (den.rounds[i].*r.den_field));
  auto d = den.median_of(r.den_field);
  return {d > 0 ? num.median_of(r.num_field) / d : 0, median(per_round)};
}

std::vector<ratio_def> ratio_defs(const streams_setup& s) {
  std::vector<ratio_def> out;
  const field mib_s = &round_figures::mib_per_s;
  const field p50 = &round_figures::p50_us;
  for (auto [tag, n] : {std::pair{"1k", s.opts.chunks_1k},
                        std::pair{"64k", s.opts.chunks_64k}}) {
    auto key = [tag = tag](const char* base) {
      return fmt::format("{}_{}", base, tag);
    };
    auto size = std::string{tag == std::string{"1k"} ? "1 KiB" : "64 KiB"};
    for (auto [what, base] :
         {std::pair{"stream, blocking reader", "stream_blocking"},
          std::pair{"stream, actor acking each", "stream_actor_each"},
          std::pair{"stream, actor acking in batches", "stream_actor_batch"}})
      out.push_back({fmt::format("{} MiB/s: {} / {} one-shot calls", size,
                                 what, n),
                     key(base), mib_s, key("calls_each"), mib_s});
    out.push_back({fmt::format("{} MiB/s: stream, blocking reader / one "
                               "call of it all",
                               size),
                   key("stream_blocking"), mib_s, key("call_all"), mib_s});
    out.push_back({fmt::format("{} MiB/s: actor acking in batches of {} / "
                               "acking each",
                               size, s.batch),
                   key("stream_actor_batch"), mib_s, key("stream_actor_each"),
                   mib_s});
  }
  out.push_back({"chunk gap at window 1 / ping p50, blocking",
                 "gap_w1_blocking", p50, "ping_blocking", p50});
  out.push_back({"chunk gap at window 1 / ping p50, actor", "gap_w1_actor",
                 p50, "ping_actor", p50});
  out.push_back({fmt::format("mean chunk gap at window {}, actor acking "
                             "each / ping p50, actor",
                             s.window),
                 "stream_actor_each_1k", &round_figures::mean_us,
                 "ping_actor", p50});
  out.push_back({"host function call from Python / ping p50, blocking",
                 "host_function", p50, "ping_blocking", p50});
  out.push_back({"host function call from Python / Python function call",
                 "host_function", p50, "host_function",
                 &round_figures::local_us});
  out.push_back({"host actor call / host function call, from Python",
                 "host_actor", p50, "host_function", p50});
  return out;
}

void print_transfers(const std::vector<stream_path>& paths,
                     const path_index& by_key, stream_group group,
                     const char* tag, int chunks, int window) {
  std::cout << fmt::format("\n{} streams of {} chunks, window {} "
                           "(MiB/s ratios: against the first one-shot row, "
                           "then the second):\n\n",
                           tag, chunks, window);
  std::cout << fmt::format(
    "{:<44} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "path",
    "chunks/s", "MiB/s", "us/chunk", "gap p50", "gap p99", "cpu/chnk",
    "x calls", "x 1 call");
  auto suffix = group == stream_group::kib_1 ? "1k" : "64k";
  const auto& each = *by_key.at(fmt::format("calls_each_{}", suffix));
  const auto& all = *by_key.at(fmt::format("call_all_{}", suffix));
  for (const auto& p : paths) {
    if (p.group != group)
      continue;
    auto rate = p.median_of(&round_figures::mib_per_s);
    auto vs = [rate](const stream_path& den) {
      auto d = den.median_of(&round_figures::mib_per_s);
      return d > 0 ? fmt::format("{:.2f}x", rate / d) : std::string{"-"};
    };
    std::cout << fmt::format(
      "{:<44} {:>9.0f} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f} {:>8} "
      "{:>8}\n",
      p.name, p.median_of(&round_figures::chunks_per_s), rate,
      p.median_of(&round_figures::mean_us),
      p.median_of(&round_figures::p50_us),
      p.median_of(&round_figures::p99_us),
      p.median_of(&round_figures::cpu_us), vs(each), vs(all));
  }
}

void print_latency(const path_index& by_key, int window) {
  std::cout << "\nPer-chunk round trip against one-shot calls (1 KiB "
               "chunks; gap: one chunk to the next), microseconds:\n\n";
  std::cout << fmt::format("{:<46} {:>8} {:>8} {:>8} {:>8}\n", "path",
                           "mean", "p50", "p99", "cpu");
  auto row = [&](const std::string& label, const char* key) {
    const auto& p = *by_key.at(key);
    std::cout << fmt::format("{:<46} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f}\n",
                             label, p.median_of(&round_figures::mean_us),
                             p.median_of(&round_figures::p50_us),
                             p.median_of(&round_figures::p99_us),
                             p.median_of(&round_figures::cpu_us));
  };
  row("window 1, blocking reader: chunk gap", "gap_w1_blocking");
  row("window 1, actor acking each: chunk gap", "gap_w1_actor");
  row(fmt::format("window {}, blocking reader: chunk gap", window),
      "stream_blocking_1k");
  row(fmt::format("window {}, actor acking each: chunk gap", window),
      "stream_actor_each_1k");
  row("ping, blocking client", "ping_blocking");
  row("ping, event-based actor caller", "ping_actor");
}

void print_host(const std::vector<stream_path>& paths, int calls) {
  std::cout << fmt::format("\nHost calls from Python: a loop of {} "
                           "`call_host` of a trivial host tool, timed in "
                           "Python,\nagainst the same loop of a trivial "
                           "Python function; microseconds per call:\n\n",
                           calls);
  std::cout << fmt::format("{:<44} {:>10} {:>12} {:>8}\n", "path",
                           "host call", "Python call", "cpu");
  for (const auto& p : paths)
    if (p.group == stream_group::host)
      std::cout << fmt::format("{:<44} {:>10.1f} {:>12.3f} {:>8.1f}\n",
                               p.name, p.median_of(&round_figures::p50_us),
                               p.median_of(&round_figures::local_us),
                               p.median_of(&round_figures::cpu_us));
}

json rounds_json(const stream_path& p) {
  json out = json::array();
  for (const auto& r : p.rounds)
    out.push_back({{"chunks_per_s", r.chunks_per_s},
                   {"mib_per_s", r.mib_per_s},
                   {"mean_us", r.mean_us},
                   {"p50_us", r.p50_us},
                   {"p99_us", r.p99_us},
                   {"local_us", r.local_us},
                   {"cpu_us", r.cpu_us},
                   {"error", r.error}});
  return out;
}

const char* group_key(stream_group g) {
  switch (g) {
    case stream_group::kib_1:
      return "1k";
    case stream_group::kib_64:
      return "64k";
    case stream_group::latency:
      return "latency";
    case stream_group::host:
      return "host";
  }
  return "?";
}

} // namespace

double stream_path::median_of(double round_figures::*f) const {
  std::vector<double> values;
  for (const auto& r : rounds)
    values.push_back(r.*f);
  return median(std::move(values));
}

round_figures figures_of(transfer_samples s, uint64_t expected) {
  round_figures out;
  auto secs = std::chrono::duration<double>(s.wall).count();
  if (secs > 0) {
    out.chunks_per_s = s.chunks / secs;
    out.mib_per_s = s.bytes / secs / mib;
  }
  if (s.chunks > 0)
    out.mean_us = secs * 1e6 / s.chunks;
  out.units = static_cast<double>(s.chunks);
  std::sort(s.gaps_ns.begin(), s.gaps_ns.end());
  out.p50_us = percentile_us(s.gaps_ns, 50);
  out.p99_us = percentile_us(s.gaps_ns, 99);
  out.error = std::move(s.error);
  if (out.error.empty() && s.chunks != expected)
    out.error = fmt::format("{} chunks instead of {}", s.chunks, expected);
  return out;
}

void report_streams(const std::vector<stream_path>& paths,
                    const streams_setup& setup, json& out) {
  path_index by_key;
  for (const auto& p : paths)
    by_key[p.key] = &p;
  const auto& o = setup.opts;
  std::cout << fmt::format(
    "\nStreams and host calls (issue 12): 1-worker pools on the native "
    "transport\n(stream_window {} and 1), {} rounds, paths alternating; "
    "medians over the rounds.\n'cpu': CPU time of the bench process (the "
    "host, not Python) per chunk, call or\nhost call, microseconds.\n",
    setup.window, o.rounds);
  print_transfers(paths, by_key, stream_group::kib_1, "1 KiB", o.chunks_1k,
                  setup.window);
  print_transfers(paths, by_key, stream_group::kib_64, "64 KiB",
                  o.chunks_64k, setup.window);
  print_latency(by_key, setup.window);
  print_host(paths, o.host_calls);
  std::cout << '\n';
  out = {{"rounds", o.rounds},
         {"window", setup.window},
         {"batch", setup.batch},
         {"chunks_1k", o.chunks_1k},
         {"chunks_64k", o.chunks_64k},
         {"latency_chunks", o.latency_chunks},
         {"host_calls", o.host_calls},
         {"paths", json::array()},
         {"ratios", json::array()}};
  for (const auto& p : paths)
    out["paths"].push_back(
      {{"key", p.key},
       {"name", p.name},
       {"group", group_key(p.group)},
       {"chunks_per_s", p.median_of(&round_figures::chunks_per_s)},
       {"mib_per_s", p.median_of(&round_figures::mib_per_s)},
       {"mean_us", p.median_of(&round_figures::mean_us)},
       {"p50_us", p.median_of(&round_figures::p50_us)},
       {"p99_us", p.median_of(&round_figures::p99_us)},
       {"local_us", p.median_of(&round_figures::local_us)},
       {"cpu_us", p.median_of(&round_figures::cpu_us)},
       {"rounds", rounds_json(p)}});
  for (const auto& def : ratio_defs(setup)) {
    auto r = compute(by_key, def);
    std::cout << fmt::format("ratio {}: {:.2f}x (per-round median {:.2f}x)\n",
                             def.name, r.of_medians, r.per_round);
    out["ratios"].push_back({{"name", def.name},
                             {"num", def.num},
                             {"den", def.den},
                             {"value", r.of_medians},
                             {"per_round", r.per_round}});
  }
}

} // namespace snakepit::bench
