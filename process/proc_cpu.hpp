#pragma once

/// CPU time of processes as the kernel accounts it (/proc/PID/stat): what
/// the inspector turns into per-worker CPU use, and what the benchmarks
/// report.

#include <cstdint>
#include <optional>
#include <vector>

namespace snakepit::process {

/// What /proc/PID/stat counts for one process, over all its threads.
struct stat_counters {
  /// User plus system CPU time (utime + stime, clock-tick resolution),
  /// seconds.
  double cpu_seconds = 0;
  /// Page faults served without I/O (minflt): on a forked process, mostly
  /// copy-on-write copies of the parent's pages.
  std::uint64_t minor_faults = 0;
};

/// The counters of process `pid`; nullopt when they cannot be read (the
/// process is gone).
std::optional<stat_counters> read_stat_counters(int pid);

/// User plus system CPU time of every thread of process `pid` (utime +
/// stime of /proc/PID/stat, clock-tick resolution), seconds; nullopt when
/// it cannot be read (the process is gone).
std::optional<double> cpu_seconds(int pid);

/// The sum of `cpu_seconds` over `pids`; a process that cannot be read
/// counts 0.
double cpu_seconds(const std::vector<int>& pids);

} // namespace snakepit::process
