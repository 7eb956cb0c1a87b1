#pragma once

/// Telling live runs from dead ones, and finding and killing the workers of
/// a host that died without cleaning up. Every worker carries
/// `run_id_flag <run id>` on its command line; a run whose `host.lock`
/// nobody holds belongs to a dead host.

#include <string>
#include <string_view>
#include <vector>

namespace snakepit::process {

/// The argument that precedes the run id on every worker's command line.
inline constexpr std::string_view run_id_flag = "--snakepit-run-id";

/// The file in a run directory whose flock its host holds while it lives.
inline constexpr const char* host_lock_name = "host.lock";

/// True for a name shaped like a run id: 8 to 16 lowercase hex digits.
bool is_run_id(std::string_view name);

/// Ids of the run directories under `base`, sorted: its subdirectories (not
/// symlinks) named like a run id, live or dead. Empty when `base` cannot be
/// read.
std::vector<std::string> list_runs(const std::string& base);

/// What `try_lock_run` found.
struct run_lock_attempt {
  /// A descriptor holding the run's lock, whose host is therefore gone;
  /// -1 otherwise. The caller closes it to release the lock.
  int fd = -1;
  /// True when another open file description holds the lock, i.e. the
  /// run's host is alive (a lock taken in this very process counts too).
  bool held = false;
};

/// Opens `<run_path>/host.lock` (never through a symlink) and tries to take
/// its flock without waiting. Neither field is set when there is no lock
/// file or it cannot be opened or locked for another reason.
run_lock_attempt try_lock_run(const std::string& run_path);

/// True while the host of the run at `run_path` holds its `host.lock`.
/// Takes and at once releases the lock of a dead run.
bool run_is_live(const std::string& run_path);

/// Pids of this user's processes whose command line holds `run_id_flag`
/// immediately followed by `run_id`.
std::vector<int> find_run_processes(std::string_view run_id);

/// For every run directory under `base` (other than live ones) whose
/// `host.lock` can be locked, i.e. whose host is dead: SIGKILLs the
/// processes carrying its run id, and their process groups, logging each at
/// warn, then removes the directory. Runs whose lock is held are never
/// touched, nor are processes of other run ids. Returns the number of
/// processes killed.
int reap_orphans(const std::string& base);

} // namespace snakepit::process
