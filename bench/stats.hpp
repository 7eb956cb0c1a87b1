#pragma once

/// Latency samples of one measured round and their summary.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace snakepit::bench {

/// The latencies of one round of sequential calls, nanoseconds, plus the
/// wall time the whole round took.
struct samples {
  std::vector<int64_t> latencies_ns;
  std::chrono::nanoseconds wall{0};
  /// Calls that did not succeed (a failing path is reported, not hidden).
  int64_t failures = 0;
  /// Pool paths only: the pool's own dispatch-to-reply time of each call
  /// (`execute_output::run_us`), nanoseconds; empty for other paths.
  std::vector<int64_t> inner_ns;
};

/// Summary of one round.
struct round_summary {
  double p50_us = 0;
  double p99_us = 0;
  double mean_us = 0;
  double calls_per_s = 0;
  int64_t failures = 0;
  /// Median of `samples::inner_ns`, 0 when there are none.
  double inner_p50_us = 0;
  /// CPU time (user + system) of the whole bench process per call: the
  /// host-side cost, including idle polling of scheduler threads.
  double cpu_us_per_call = 0;
  /// Voluntary context switches of the bench process per call: how often
  /// one of its threads went to sleep (and had to be woken) per call.
  double host_sleeps_per_call = 0;
  /// The Python process serving the path, per call: CPU time (clock-tick
  /// resolution) and voluntary context switches; 0 for paths without one.
  double worker_cpu_us_per_call = 0;
  double worker_sleeps_per_call = 0;
};

/// Nearest-rank percentiles, mean and throughput of `s`.
round_summary summarize(samples s);

/// Nearest-rank percentile `p` (0-100) of `sorted` (ascending,
/// nanoseconds), microseconds; 0 for none.
double percentile_us(const std::vector<int64_t>& sorted, double p);

/// Median of `values` (the mean of the two middle ones for an even count);
/// 0 for none.
double median(std::vector<double> values);

/// Nanoseconds of steady_clock since `start`, for a latency sample.
int64_t ns_since(std::chrono::steady_clock::time_point start);

/// User plus system CPU time of this process so far, microseconds (the
/// host side of a measured path: every thread of the bench).
double process_cpu_us();

/// Per-path results over all rounds: the median of each round statistic.
struct path_summary {
  std::string name;
  std::vector<round_summary> rounds;

  double median_p50() const;
  double median_p99() const;
  double median_mean() const;
  double median_calls_per_s() const;
  double min_p50() const;
  double max_p50() const;
  double median_inner_p50() const;
  double median_cpu_per_call() const;
  double median_host_sleeps_per_call() const;
  double median_worker_cpu_per_call() const;
  double median_worker_sleeps_per_call() const;
  int64_t failures() const;
};

} // namespace snakepit::bench
