#pragma once

/// A pool group: several pools and remote pools of a host served as one
/// under a name (a `[[pool_groups]]` entry; docs/distribution.md, "Pool
/// groups"). The group actor has the `pool_actor` interface. It finds its
/// members through the host's root supervisor (again after one stops, and
/// on each status round), asks each for its status every
/// `status_interval`, and sends each request to exactly one member picked
/// by its strategy (core/group_balancer.hpp) among those that take
/// requests. The member's reply goes back as it is: a request is never
/// retried on another member. When no member takes requests, calls get
/// `node_down` (every member's host away) or `pool_failed` at once. A
/// session's requests all go to the member that took its first one
/// (core/session_holders.hpp); a stream goes through a relay
/// (cluster/stream_relay.hpp) and counts as a call until it ends.

#include <caf/fwd.hpp>

#include <snakepit/config.hpp>
#include <snakepit/interfaces.hpp>

namespace snakepit {

/// Spawns the group `group`, linked to `parent`, the host's root
/// supervisor, whose `(lookup_atom, name)` finds the members.
pool_actor spawn_pool_group(caf::local_actor* parent, pool_group_config group);

} // namespace snakepit
