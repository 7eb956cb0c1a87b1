#pragma once

/// What a configuration asks of the machine: how many workers of which
/// profile, with how many slots, started how fast. The input of the rules
/// next to the facts measured on the machine.

#include <chrono>
#include <string>
#include <vector>

#include <snakepit/config.hpp>

namespace snakepit::diagnostics {

/// What one pool needs.
struct pool_demand {
  /// The pool's name (it goes into socket names).
  std::string name;
  /// Process or thread workers.
  worker_profile profile = worker_profile::process;
  /// Worker processes.
  int size = 1;
  /// Concurrent requests per worker: 1, or `threads_per_worker`.
  int slots = 1;
  /// Interpreter of the workers.
  std::string python;
  /// Workers started at once.
  int startup_concurrency = 1;
  /// How long one worker may take to start.
  std::chrono::milliseconds startup_timeout{0};
};

/// What a whole configuration needs.
struct demand {
  /// One entry per pool, in config order.
  std::vector<pool_demand> pools;

  /// Worker processes over all pools.
  int workers() const;

  /// Worker processes of `profile` over all pools.
  int workers(worker_profile profile) const;
};

/// The demand of `cfg`.
demand demand_of(const host_config& cfg);

} // namespace snakepit::diagnostics
