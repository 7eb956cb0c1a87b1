#pragma once

/// Memory (/proc/PID/smaps_rollup) and CPU time (/proc/PID/stat) of a set
/// of processes.

#include <string>
#include <vector>

namespace snakepit::bench {

/// Memory of one process or the sum over several, KiB.
struct memory_kib {
  /// Resident set: every resident page the process maps, shared ones
  /// counted in full (so a sum over processes counts shared pages again
  /// for each process).
  long rss = 0;
  /// Proportional set: each resident page divided by the number of
  /// processes mapping it; sums over processes without double counting.
  long pss = 0;
  /// Unique set: Private_Clean + Private_Dirty, the pages only this
  /// process maps (what its exit would free).
  long uss = 0;
  /// Private_Dirty alone: pages the process wrote and nobody else maps
  /// (heap, stacks). Unlike Private_Clean it does not depend on whether
  /// other processes happen to map the same files (libpython, grpc's .so):
  /// a file page mapped by a single process on the machine counts as
  /// private, the same page mapped by two as shared.
  long dirty = 0;
  /// Processes summed.
  int processes = 0;

  memory_kib& operator+=(const memory_kib& other);
};

/// Reads /proc/`pid`/smaps_rollup; an error text if it cannot (no such
/// process, no permission, a kernel without smaps_rollup).
struct memory_reading {
  memory_kib memory;
  std::string error;
};

/// The memory of `pid`.
memory_reading read_memory(int pid);

/// The sum over `pids`; the first error, if any, leaves the sum partial.
memory_reading read_memory(const std::vector<int>& pids);

/// User plus system CPU time of every thread of the processes `pids`
/// (utime + stime of /proc/PID/stat, clock-tick resolution), seconds;
/// a process that cannot be read counts 0.
double cpu_seconds(const std::vector<int>& pids);

} // namespace snakepit::bench
