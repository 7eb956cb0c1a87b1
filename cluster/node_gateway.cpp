#include "cluster/node_actor.hpp"

#include <caf/all.hpp>

namespace snakepit {

namespace {

node_actor::behavior_type gateway(node_actor::pointer self, host_actor root) {
  return {
    [](hello_atom, uint32_t) { return cluster_protocol; },
    [self, root](lookup_atom atom, const std::string& name) {
      return self->delegate(root, atom, name);
    },
  };
}

} // namespace

node_actor spawn_node_gateway(caf::actor_system& sys, host_actor root) {
  return sys.spawn(gateway, std::move(root));
}

} // namespace snakepit
