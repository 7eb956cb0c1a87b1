#pragma once

/// The root supervisor of a host, as `spawn_host` starts it: the generic
/// supervisor (<snakepit/supervision.hpp>) whose children are pools, and
/// whose `(lookup_atom, name)` answers a typed `pool_actor`.

#include <caf/fwd.hpp>

#include <vector>

#include <snakepit/interfaces.hpp>
#include <snakepit/supervision.hpp>

namespace snakepit {

/// Spawns a host's root supervisor over `pools` (each child starts a pool).
host_actor spawn_host_supervisor(caf::actor_system& sys,
                                 supervisor_flags flags,
                                 std::vector<child_spec> pools);

} // namespace snakepit
