#pragma once

/// Setting up pools across hosts (docs/distribution.md): loading CAF's
/// middleman when a host serves its pools or reaches remote ones, and
/// publishing a host's gateway at `[cluster] listen`.

#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <snakepit/config.hpp>
#include <snakepit/interfaces.hpp>

#include "cluster/node_actor.hpp"

namespace snakepit {

class tls_front;

/// True when `cfg` needs the middleman: it serves its pools (`listen`) or
/// has remote pools.
bool needs_middleman(const host_config& cfg);

/// Loads the middleman into `sys_cfg`, with `cluster`'s heartbeats (the
/// middleman's heartbeat interval and connection timeout). Before the
/// actor system is built.
void prepare_middleman(caf::actor_system_config& sys_cfg,
                       const cluster_config& cluster);

/// A host's gateway, published.
struct published_node {
  /// The gateway (stopped by `unpublish_node`).
  node_actor gateway;
  /// The port other hosts connect to (the one chosen when `listen` said
  /// 0): CAF's own, or the TLS front's.
  uint16_t port = 0;
  /// The port CAF listens on: `port`, or behind the TLS front a loopback
  /// port.
  uint16_t caf_port = 0;
  /// The TLS front serving `port`, if any.
  std::shared_ptr<tls_front> front;
};

/// Spawns a gateway to `root`, serving the pools named `pools`, and
/// publishes it at `cluster.listen`: with
/// `front` (`[cluster.tls]`), CAF listens on a loopback port and the front
/// serves mutual TLS at `listen`. Blocks until the port is open: call it
/// from outside the scheduler (the middleman actor does the work). The
/// problem in words when it fails.
std::variant<published_node, std::string>
publish_node(caf::actor_system& sys, host_actor root,
             std::vector<std::string> pools, const cluster_config& cluster,
             std::shared_ptr<tls_front> front);

/// Closes the port and stops the gateway; blocking, like `publish_node`.
void unpublish_node(caf::actor_system& sys, published_node& node);

} // namespace snakepit
