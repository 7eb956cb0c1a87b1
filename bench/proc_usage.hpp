#pragma once

/// CPU time (/proc/PID/stat) of a set of processes. Their memory comes from
/// process/proc_memory.hpp, which the library uses too.

#include <vector>

namespace snakepit::bench {

/// User plus system CPU time of every thread of the processes `pids`
/// (utime + stime of /proc/PID/stat, clock-tick resolution), seconds;
/// a process that cannot be read counts 0.
double cpu_seconds(const std::vector<int>& pids);

} // namespace snakepit::bench
