#pragma once

/// CPU time of processes as the kernel accounts it (/proc/PID/stat): what
/// the inspector turns into per-worker CPU use, and what the benchmarks
/// report.

#include <optional>
#include <vector>

namespace snakepit::process {

/// User plus system CPU time of every thread of process `pid` (utime +
/// stime of /proc/PID/stat, clock-tick resolution), seconds; nullopt when
/// it cannot be read (the process is gone).
std::optional<double> cpu_seconds(int pid);

/// The sum of `cpu_seconds` over `pids`; a process that cannot be read
/// counts 0.
double cpu_seconds(const std::vector<int>& pids);

} // namespace snakepit::process
