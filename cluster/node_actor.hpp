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

#include <snakepit/interfaces.hpp>

namespace snakepit {

/// `(hello_atom, protocol) -> protocol`: the caller's protocol version in,
/// the gateway's out; a host refuses a peer of another version.
using hello_atom = caf::atom_constant<caf::atom("sp_hello")>;

/// The version of what hosts send each other; raised whenever a message
/// between hosts changes.
inline constexpr uint32_t cluster_protocol = 1;

/// The gateway a host publishes.
using node_actor = caf::typed_actor<
  caf::replies_to<hello_atom, uint32_t>::with<uint32_t>,
  caf::replies_to<lookup_atom, std::string>::with<pool_actor>>;

/// Spawns the gateway of the host whose root supervisor is `root`.
node_actor spawn_node_gateway(caf::actor_system& sys, host_actor root);

} // namespace snakepit
