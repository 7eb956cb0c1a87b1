#pragma once

/// What a lifecycle actor measures of each worker's Python process: memory
/// (PSS, USS, RSS from /proc/PID/smaps_rollup) with its first sample as
/// baseline and the growth since, and CPU use (from /proc/PID/stat) between
/// two samples. Reading /proc costs about 0.3 ms per process; it happens
/// once per lifecycle interval.

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include <snakepit/snapshots.hpp>

namespace snakepit {

/// Per-worker measurements, keyed by worker key.
class worker_measurements {
public:
  using clock_type = std::chrono::steady_clock;

  /// Samples the process `pid` of worker `key`; returns its memory, or
  /// nullopt when the process cannot be read (it is gone).
  std::optional<memory_figures> sample(uint64_t key, int pid,
                                       clock_type::time_point now);

  /// Forgets worker `key`.
  void forget(uint64_t key);

  /// Fills the memory and CPU fields of `w` (worker `key`) from the
  /// samples so far; leaves them alone when there are none.
  void fill(uint64_t key, worker_snapshot& w) const;

private:
  struct worker {
    memory_figures last;
    uint64_t baseline_pss = 0;
    clock_type::time_point baseline_at;
    clock_type::time_point last_at;
    std::optional<double> cpu_seconds;
    double cpu_cores = 0;
  };

  std::unordered_map<uint64_t, worker> workers_;
};

} // namespace snakepit
