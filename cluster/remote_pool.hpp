#pragma once

/// A pool of another host, served under a local name (a `[[remote_pools]]`
/// entry; docs/distribution.md). The proxy has the `pool_actor` interface:
/// it connects to the other host's gateway (without blocking, through the
/// middleman actor), checks the protocol version, looks the pool up and
/// forwards calls. Every call gets exactly one reply: the remote pool's,
/// or `node_down` when the host is not connected or goes away while the
/// call is in flight (the call may or may not have run there). A lost host
/// is connected again with backoff.

#include <caf/fwd.hpp>

#include <snakepit/config.hpp>
#include <snakepit/interfaces.hpp>

namespace snakepit {

/// Spawns the proxy of `remote`, linked to `parent` (the host's root
/// supervisor); it starts connecting at once. The actor system must have
/// the middleman (`prepare_middleman`).
pool_actor spawn_remote_pool(caf::local_actor* parent,
                             remote_pool_config remote);

} // namespace snakepit
