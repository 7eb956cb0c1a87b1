#pragma once

/// The per-user limits a host runs into as its pools grow: open files
/// (RLIMIT_NOFILE, counted per process: the host holds a few descriptors
/// per worker) and processes (RLIMIT_NPROC, which Linux counts in threads
/// over all processes of the user).

#include <cstdint>

#include "diagnostics/demand.hpp"
#include "diagnostics/finding.hpp"
#include "diagnostics/proc_readers.hpp"

namespace snakepit::diagnostics {

/// What the open-file check looks at.
struct fd_facts {
  /// RLIMIT_NOFILE of this process, which a host started the same way
  /// inherits.
  limit nofile;
  /// Descriptors open before any pool started (stdio, logs).
  int64_t open_before = 0;
  /// Descriptors the host holds per worker (socket, output pipes, pidfd,
  /// gRPC connection).
  double per_worker = 0;
  /// Descriptors a host holds besides its workers (actor system, gRPC,
  /// admin socket, run directory lock).
  int64_t per_host = 0;
  /// True when `per_worker` and `per_host` were measured on live workers
  /// rather than estimated.
  bool measured = false;
};

/// Critical when the soft limit does not cover `workers_needed` workers,
/// warning below twice that (recycling starts replacements before the old
/// workers go, restarts overlap), ok otherwise.
finding check_open_files(const fd_facts& facts, int workers_needed);

/// What the process-limit check looks at.
struct nproc_facts {
  /// RLIMIT_NPROC of this process.
  limit nproc;
  /// False when the limit does not apply: root, or CAP_SYS_RESOURCE or
  /// CAP_SYS_ADMIN in the effective set.
  bool enforced = true;
  /// Threads of every process of this user now.
  int64_t user_threads = 0;
  /// kernel.threads-max, the machine-wide ceiling; 0 when unknown.
  int64_t threads_max = 0;
  /// Threads of an idle process-profile worker.
  int64_t process_worker_threads = 0;
  /// Threads of an idle thread-profile worker.
  int64_t thread_worker_threads = 0;
  /// Threads a host adds to its own process (scheduler, gRPC, launcher).
  int64_t host_threads = 0;
  /// True when the thread counts were measured on live workers.
  bool measured = false;
};

/// Threads one worker of `pool` may run at its peak: its idle threads plus
/// the gRPC server's pool (one thread per slot plus one for health checks;
/// Python starts them on demand).
int64_t peak_worker_threads(const nproc_facts& facts, const pool_demand& pool);

/// Critical when the threads the config needs do not fit under the soft
/// limit next to what the user already runs, warning below twice that, ok
/// otherwise or when the limit is not enforced.
finding check_processes(const nproc_facts& facts, const demand& need);

/// True when RLIMIT_NPROC binds a process of real uid `uid` with effective
/// capabilities `cap_eff`.
bool nproc_enforced(int64_t uid, uint64_t cap_eff);

} // namespace snakepit::diagnostics
