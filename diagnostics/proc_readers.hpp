#pragma once

/// Facts about this machine and its processes, from /proc, getrlimit,
/// uname and the scheduler. The parsers take the file's text so tests can
/// feed fixed text; the readers read the real files.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace snakepit::diagnostics {

/// The first number after "`key`:" on the line starting with `key` in a
/// /proc text of "Key: value" lines (status, meminfo), e.g. 8 for
/// `Threads:\t8` or 1024 for `MemTotal:  1024 kB` (units are not applied);
/// nullopt when there is no such line or no number on it.
std::optional<int64_t> proc_field(std::string_view text,
                                  std::string_view key);

/// The memory figures of /proc/meminfo, bytes.
struct meminfo {
  /// MemTotal.
  uint64_t total_bytes = 0;
  /// MemAvailable: what can be allocated without swapping, page cache
  /// that can be dropped included.
  uint64_t available_bytes = 0;
};

/// Parses /proc/meminfo text; nullopt without MemTotal or MemAvailable
/// (kernels before 3.14 lack the latter).
std::optional<meminfo> parse_meminfo(std::string_view text);

/// The threads of a process and who owns it, from /proc/PID/status.
struct task_status {
  /// Real uid (the first figure of `Uid:`), which RLIMIT_NPROC counts by.
  int64_t real_uid = -1;
  /// `Threads:`, the main thread included.
  int64_t threads = 0;
};

/// Parses /proc/PID/status text; nullopt without `Uid:` or `Threads:`.
std::optional<task_status> parse_task_status(std::string_view text);

/// The effective capabilities (`CapEff:`, hex) of /proc/PID/status text;
/// nullopt without that line.
std::optional<uint64_t> parse_cap_eff(std::string_view status_text);

/// Reads /proc/meminfo.
std::optional<meminfo> read_meminfo();

/// Reads /proc/`pid`/status; nullopt when the process is gone.
std::optional<task_status> read_task_status(int pid);

/// Threads of every process whose real uid is `uid`: what RLIMIT_NPROC
/// counts on Linux.
int64_t count_user_threads(int64_t uid);

/// Descriptors this process has open now (entries of /proc/self/fd,
/// without the one used to list them).
int64_t count_open_fds();

/// A resource limit; nullopt stands for unlimited.
struct limit {
  /// What the process may use now; it may raise this up to `hard`.
  std::optional<uint64_t> soft;
  /// The ceiling only privileged processes may raise.
  std::optional<uint64_t> hard;
};

/// getrlimit(`resource`), e.g. RLIMIT_NOFILE.
limit read_limit(int resource);

/// An integer from a one-number file such as /proc/sys/kernel/threads-max;
/// nullopt when it cannot be read.
std::optional<int64_t> read_number_file(const std::string& path);

/// The machine line of the report.
struct machine_facts {
  /// std::thread::hardware_concurrency().
  int cores = 0;
  /// CPUs this process may run on (sched_getaffinity), e.g. fewer in a
  /// container pinned to some CPUs.
  int affinity_cores = 0;
  /// uname: system, release and machine, e.g. "Linux 6.1.0 x86_64".
  std::string kernel;
  /// MemTotal, bytes; 0 when unknown.
  uint64_t memory_total_bytes = 0;
};

/// Reads the machine facts.
machine_facts read_machine();

} // namespace snakepit::diagnostics
