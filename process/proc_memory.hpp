#pragma once

/// Memory of processes as the kernel accounts it, from
/// /proc/PID/smaps_rollup: what the lifecycle actor compares with a pool's
/// `memory_threshold_mb`, and what the benchmarks report.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace snakepit::process {

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

  /// Adds `other` field by field.
  memory_kib& operator+=(const memory_kib& other);
};

/// The memory of a process (or a sum), or why it could not be read.
struct memory_reading {
  /// The figures; all zero when `error` is set for a single process.
  memory_kib memory;
  /// Empty on success; otherwise names the file, e.g. "cannot read
  /// /proc/42/smaps_rollup" (no such process, no permission, a kernel
  /// without smaps_rollup).
  std::string error;
};

/// Reads /proc/`pid`/smaps_rollup.
memory_reading read_memory(int pid);

/// The sum over `pids`; the first error, if any, leaves the sum partial.
memory_reading read_memory(const std::vector<int>& pids);

/// The proportional set size of `pid` in bytes; nullopt when it cannot be
/// read (the process is gone, or see `read_memory`).
std::optional<uint64_t> pss_bytes(int pid);

} // namespace snakepit::process
