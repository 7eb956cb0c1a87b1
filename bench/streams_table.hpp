#pragma once

/// The figures of snakepit_bench's streams section and how they are
/// printed and recorded: one row per measured path, medians over the
/// rounds, and the ratios between rows (bench/streams.cpp measures them).

#include <functional>
#include <string>
#include <vector>

#include "bench/json_report.hpp"
#include "bench/stream_paths.hpp"
#include "bench/streams.hpp"

namespace snakepit::bench {

/// One round of one path. Transfers: chunks/s, MiB/s, the mean time per
/// chunk and the gap (stream) or call latency (one-shot) percentiles;
/// pings: calls/s and latency; host loops: the per-call time of the host
/// call in `p50_us` and of the Python function in `local_us`.
struct round_figures {
  double chunks_per_s = 0;
  double mib_per_s = 0;
  /// Wall time per chunk (1 / chunks_per_s), microseconds: the gap of a
  /// stream on average, which a p50 hides when chunks come in bursts.
  double mean_us = 0;
  double p50_us = 0;
  double p99_us = 0;
  double local_us = 0;
  /// What the round counted: chunks, calls, or host calls.
  double units = 0;
  /// CPU time of the bench process (the host, not Python) per unit,
  /// microseconds.
  double cpu_us = 0;
  /// Empty, or why the round's transfer or call failed.
  std::string error{};
};

/// Which table a path belongs to.
enum class stream_group { kib_1, kib_64, latency, host };

/// One measured path: what it is, how to run one round, what the rounds
/// gave.
struct stream_path {
  stream_group group = stream_group::kib_1;
  std::string name{};
  std::string key{};
  std::function<round_figures()> run{};
  std::vector<round_figures> rounds{};

  /// The median over the rounds of `field`.
  double median_of(double round_figures::*field) const;
};

/// The figures of a transfer; `expected` chunks, else an error.
round_figures figures_of(transfer_samples s, uint64_t expected);

/// What the section ran with, for the headings and the document.
struct streams_setup {
  streams_options opts{};
  int window = 0;
  uint32_t batch = 0;
};

/// Prints the three tables and the ratio lines and records everything in
/// `out`.
void report_streams(const std::vector<stream_path>& paths,
                    const streams_setup& setup, json& out);

} // namespace snakepit::bench
