#pragma once

/// How often the threads of a process went to sleep: voluntary context
/// switches as the kernel counts them. Every sleep on a call's path is a
/// wake-up later, the cost that dominates a round trip on an idle VM, so
/// the latency section reports them per call, for the bench process and
/// for the Python process serving the path. The count does not depend on
/// machine load the way times do.

#include <cstdint>

namespace snakepit::bench {

/// Voluntary context switches of every thread of this process so far.
int64_t own_sleeps();

/// Voluntary context switches of every live thread of process `pid` so far
/// (`voluntary_ctxt_switches` of /proc/PID/task/*/status); 0 if it cannot
/// be read. Threads that exited no longer count, so compare two reads only
/// across a span in which the process starts or ends no thread.
int64_t sleeps_of(int pid);

/// User plus system CPU time of process `pid` so far, microseconds (clock-
/// tick resolution); 0 if it cannot be read.
double cpu_us_of(int pid);

} // namespace snakepit::bench
