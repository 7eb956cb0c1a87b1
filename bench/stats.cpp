#include "bench/stats.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace snakepit::bench {

namespace {

template <class F>
double median_of(const std::vector<round_summary>& rounds, F field) {
  std::vector<double> values;
  values.reserve(rounds.size());
  for (const auto& r : rounds)
    values.push_back(field(r));
  return median(std::move(values));
}

} // namespace

int64_t ns_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now() - start)
    .count();
}

double process_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  return us(u.ru_utime) + us(u.ru_stime);
}

double percentile_us(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1] / 1000.0;
}

round_summary summarize(samples s) {
  round_summary out;
  out.failures = s.failures;
  if (!s.inner_ns.empty()) {
    std::sort(s.inner_ns.begin(), s.inner_ns.end());
    out.inner_p50_us = percentile_us(s.inner_ns, 50);
  }
  auto& v = s.latencies_ns;
  if (v.empty())
    return out;
  std::sort(v.begin(), v.end());
  out.p50_us = percentile_us(v, 50);
  out.p99_us = percentile_us(v, 99);
  auto total = std::accumulate(v.begin(), v.end(), int64_t{0});
  out.mean_us = static_cast<double>(total) / v.size() / 1000.0;
  auto wall_s = std::chrono::duration<double>(s.wall).count();
  out.calls_per_s = wall_s > 0 ? v.size() / wall_s : 0;
  return out;
}

double median(std::vector<double> values) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  auto n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double path_summary::median_p50() const {
  return median_of(rounds, [](const round_summary& r) { return r.p50_us; });
}

double path_summary::median_p99() const {
  return median_of(rounds, [](const round_summary& r) { return r.p99_us; });
}

double path_summary::median_mean() const {
  return median_of(rounds, [](const round_summary& r) { return r.mean_us; });
}

double path_summary::median_calls_per_s() const {
  return median_of(rounds,
                   [](const round_summary& r) { return r.calls_per_s; });
}

double path_summary::min_p50() const {
  double out = rounds.empty() ? 0 : rounds.front().p50_us;
  for (const auto& r : rounds)
    out = std::min(out, r.p50_us);
  return out;
}

double path_summary::max_p50() const {
  double out = 0;
  for (const auto& r : rounds)
    out = std::max(out, r.p50_us);
  return out;
}

double path_summary::median_inner_p50() const {
  return median_of(rounds,
                   [](const round_summary& r) { return r.inner_p50_us; });
}

double path_summary::median_cpu_per_call() const {
  return median_of(rounds,
                   [](const round_summary& r) { return r.cpu_us_per_call; });
}

double path_summary::median_host_sleeps_per_call() const {
  return median_of(
    rounds, [](const round_summary& r) { return r.host_sleeps_per_call; });
}

double path_summary::median_worker_cpu_per_call() const {
  return median_of(
    rounds, [](const round_summary& r) { return r.worker_cpu_us_per_call; });
}

double path_summary::median_worker_sleeps_per_call() const {
  return median_of(
    rounds, [](const round_summary& r) { return r.worker_sleeps_per_call; });
}

int64_t path_summary::failures() const {
  int64_t out = 0;
  for (const auto& r : rounds)
    out += r.failures;
  return out;
}

} // namespace snakepit::bench
