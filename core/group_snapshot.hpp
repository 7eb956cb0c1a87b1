#pragma once

/// The snapshot a pool group answers to status, inspect and await_ready,
/// built from its members' snapshots (docs/distribution.md, "Pool
/// groups"), and the failure it answers when no member takes requests.
/// Plain logic without actors.

#include <string>
#include <vector>

#include <snakepit/failure.hpp>
#include <snakepit/snapshots.hpp>

namespace snakepit {

/// Why group `group` cannot take a request: node_down when every member
/// is down with node_down (remote hosts away), else pool_failed; the
/// message names the group and each member with its failure. `members`
/// are the members' last snapshots, in the group's order.
failure no_member_takes_requests(const std::string& group,
                                 const std::vector<pool_snapshot>& members);

/// The group's snapshot: named `group`; counts, slots, queues, requests,
/// errors, recycles, sessions and workers summed over the members that
/// take requests (`takes_requests`), utilization from those sums; profile
/// and adapter when all such members agree, else "mixed"; `failed` set
/// (`no_member_takes_requests`) when none does; the measurements of a
/// window and the per-pool settings (timeouts, limits) are left at zero.
pool_snapshot aggregate_group(const std::string& group,
                              const std::vector<pool_snapshot>& members);

} // namespace snakepit
