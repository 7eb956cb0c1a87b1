#pragma once

/// A pool of another host, served under a local name (a `[[remote_pools]]`
/// entry; docs/distribution.md). The proxy has the `pool_actor` interface:
/// it connects to the other host's gateway (without blocking, through the
/// middleman actor), checks the protocol version, looks the pool up and
/// forwards calls. Every call gets exactly one reply: the remote pool's,
/// or `node_down` when the host is not connected or goes away while the
/// call is in flight (the call may or may not have run there). A lost host
/// is connected again with backoff. Streams go through a relay per stream
/// (cluster/stream_relay.hpp). The sessions of a pool there that restarted
/// are lost (`session_lost`), not started afresh.

#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <snakepit/config.hpp>
#include <snakepit/interfaces.hpp>

namespace snakepit {

class tls_front;

/// Where the proxy's middleman connects to reach the other host: the
/// node itself, or the loopback port of the TLS front that pipes to it
/// (cluster/tls_front.hpp).
struct remote_route {
  /// Address CAF connects to.
  std::string host;
  /// Its port.
  uint16_t port = 0;
  /// Why the route is unusable (no connection is tried), or empty.
  std::string unusable;
  /// Through TLS: why the front's last connection to the node failed (a
  /// refused certificate, say), or empty; reported with CAF's error.
  std::function<std::string()> tls_problem;
};

/// The route to `remote`: through `front` when it uses TLS
/// (`remote_uses_tls`), else straight to its node.
remote_route route_to(const remote_pool_config& remote,
                      const cluster_config& cluster,
                      const std::shared_ptr<tls_front>& front);

/// Spawns the proxy of `remote`, linked to `parent` (the host's root
/// supervisor), connecting through `route`; it starts connecting at once.
/// The actor system must have the middleman (`prepare_middleman`).
pool_actor spawn_remote_pool(caf::local_actor* parent,
                             remote_pool_config remote, remote_route route);

} // namespace snakepit
