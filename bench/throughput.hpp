#pragma once

/// snakepit_bench's throughput section: both transports under concurrent
/// load. Four pools in one host (process 4x1 and thread 1x4, each on the
/// native transport and on gRPC); per round, each load (8 callers on the
/// process pool, 4 on the thread pool) and tool (`ping`, `sleep` 5 ms) runs
/// for a fixed time on both transports, which go first in turn. Figures:
/// calls/s, latency, and the bench process's CPU per call (getrusage: the
/// host's cost, Python excluded), medians over the rounds, native/gRPC.

#include <chrono>

#include "bench/json_report.hpp"
#include "bench/startup.hpp"

namespace snakepit::bench {

/// How long and how often the section measures.
struct throughput_options {
  /// Rounds; 0 skips the section.
  int rounds = 3;
  /// Length of each measured burst.
  std::chrono::milliseconds burst{2000};
};

/// Starts the pools, runs the rounds, prints the table and records it in
/// `out`; false if a pool did not start or calls failed. `setup` adjusts
/// the actor system's configuration.
bool run_throughput(const throughput_options& opts,
                    const system_setup& setup, json& out);

} // namespace snakepit::bench
