#pragma once

/// Finding and killing the workers of a host that died without cleaning up.
/// Every worker carries `run_id_flag <run id>` on its command line; a run
/// whose `host.lock` nobody holds belongs to a dead host.

#include <string>
#include <string_view>
#include <vector>

namespace snakepit::process {

/// The argument that precedes the run id on every worker's command line.
inline constexpr std::string_view run_id_flag = "--snakepit-run-id";

/// True for a name shaped like a run id: 8 to 16 lowercase hex digits.
bool is_run_id(std::string_view name);

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
