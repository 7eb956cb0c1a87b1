#pragma once

/// snakepit_bench's latency section: one host with a 1-worker pool per
/// transport, and the bare processes (a gRPC worker, a native worker, the
/// floor's loop); sequential `ping` calls through every path in
/// alternating rounds, the first path rotating; ratios against the targets
/// of issues 10 and 11.

#include "bench/json_report.hpp"
#include "bench/startup.hpp"

namespace snakepit::bench {

/// How many calls the section makes.
struct latency_options {
  /// Alternating rounds.
  int rounds = 5;
  /// Calls per path and round.
  int calls = 2000;
  /// Calls per path before the rounds, not recorded.
  int warmup = 500;
};

/// Starts the host and the bare processes, runs the rounds, prints the
/// table and ratios and records them in `out`, then stops everything;
/// false if something did not start or calls failed.
bool run_latency(const latency_options& opts, const system_setup& setup,
                 json& out);

} // namespace snakepit::bench
