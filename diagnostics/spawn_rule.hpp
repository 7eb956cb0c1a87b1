#pragma once

/// How fast this machine starts workers, and whether each pool's workers
/// can start within their `startup_timeout` at their
/// `startup_concurrency`.

#include <string>

#include "diagnostics/demand.hpp"
#include "diagnostics/finding.hpp"

namespace snakepit::diagnostics {

/// What the spawn-rate check looks at.
struct spawn_facts {
  /// Workers started together in one pool (`--spawn-workers`).
  int workers = 0;
  /// From starting that host to all its workers ready.
  double seconds = 0;
  /// Mean over those workers of launch to ready handshake.
  double mean_startup_seconds = 0;
  /// Launch to ready of one worker starting alone.
  double cold_start_seconds = 0;
  /// CPUs this process may run on.
  int cores = 1;
  /// Why it was not measured; empty when it was.
  std::string not_measured;
  /// True when workers were started but did not become ready (the
  /// config's workers cannot start here); `not_measured` says why.
  bool failed = false;
};

/// Seconds one worker of `pool` takes to start when its pool starts
/// `min(size, startup_concurrency)` at once on this machine. Starts are
/// CPU-bound: the measured mean start-up scaled by how many start at once
/// against how many did in the measurement, never below the cold start.
double expected_startup_seconds(const spawn_facts& facts,
                                const pool_demand& pool);

/// Critical when workers failed to start, or a pool's workers would need
/// longer than their startup_timeout; warning when over half of it or not
/// measured; ok otherwise, with the start-up time of each pool as advice.
finding check_spawn_rate(const spawn_facts& facts, const demand& need);

} // namespace snakepit::diagnostics
