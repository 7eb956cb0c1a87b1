#pragma once

/// What a host publishes to other hosts (docs/distribution.md): a gateway
/// that finds its pools by name, and says which version of the protocol
/// between hosts it speaks. Both hosts register every type that crosses
/// with the same names (`register_types`), so the typed interfaces match.

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <snakepit/interfaces.hpp>

namespace snakepit {

/// `(hello_atom, protocol) -> protocol`: the caller's protocol version in,
/// the gateway's out; a host refuses a peer of another version.
using hello_atom = caf::atom_constant<caf::atom("sp_hello")>;

/// `(subscribe_remote_atom, subscriber, topic bits)`: subscribes the
/// (remote) actor `subscriber` to the host's telemetry bus, for the topic
/// whose bits are given (`telemetry::topic::bits`); sent to a gateway by a
/// remote pool, and to a remote pool by `telemetry::subscribe_remote`.
using subscribe_remote_atom = caf::atom_constant<caf::atom("sp_rsubsc")>;

/// The version of what hosts send each other; raised whenever a message
/// between hosts changes.
inline constexpr uint32_t cluster_protocol = 2;

/// The gateway a host publishes.
using node_actor = caf::typed_actor<
  caf::replies_to<hello_atom, uint32_t>::with<uint32_t>,
  caf::replies_to<lookup_atom, std::string>::with<pool_actor>,
  caf::reacts_to<subscribe_remote_atom, caf::actor, uint16_t>,
  /// Every pool the host serves, inspected (`snakepit inspect --node`), in
  /// the host's order; a pool that does not answer in time has `failed`
  /// set.
  caf::replies_to<inspect_atom>::with<std::vector<pool_snapshot>>>;

/// Spawns the gateway of the host whose root supervisor is `root` and
/// whose pools (pools, remote pools, groups) are named `pools`.
node_actor spawn_node_gateway(caf::actor_system& sys, host_actor root,
                              std::vector<std::string> pools);

/// Why a gateway that answered `hello` with `protocol` cannot be used, or
/// empty when it speaks this host's protocol.
std::string protocol_problem(uint32_t protocol);

} // namespace snakepit
