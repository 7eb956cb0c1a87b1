#include "cluster/node_actor.hpp"

#include <caf/all.hpp>

#include <map>
#include <memory>

#include <snakepit/errors.hpp>
#include <snakepit/telemetry/bus.hpp>

namespace snakepit {

namespace {

/// How long the gateway waits for each pool's snapshot.
constexpr std::chrono::seconds inspect_timeout{5};

struct gateway_state {
  /// The actors of other hosts subscribed to this host's telemetry, and
  /// their topics; each is dropped when it goes away (its DOWN).
  std::map<caf::actor_addr, std::pair<caf::actor, telemetry::topic>>
    subscribers;

  static inline const char* name = "snakepit.node_gateway";
};

using gateway_ptr = node_actor::stateful_pointer<gateway_state>;

/// Inspects every pool of `names` through `root`, answering `rp` once all
/// answered or timed out.
void inspect_all(gateway_ptr self, const host_actor& root,
                 const std::vector<std::string>& names,
                 caf::typed_response_promise<std::vector<pool_snapshot>> rp) {
  struct pending {
    std::vector<pool_snapshot> snapshots;
    size_t left = 0;
    caf::typed_response_promise<std::vector<pool_snapshot>> rp;
  };
  auto all = std::make_shared<pending>();
  all->snapshots.resize(names.size());
  all->left = names.size();
  all->rp = std::move(rp);
  if (names.empty()) {
    all->rp.deliver(std::vector<pool_snapshot>{});
    return;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    auto done = [all, i](pool_snapshot s) {
      all->snapshots[i] = std::move(s);
      if (--all->left == 0)
        all->rp.deliver(std::move(all->snapshots));
    };
    auto missing = [done, name = names[i]](const std::string& why) {
      pool_snapshot s;
      s.name = name;
      s.failed = make_failure(error_code::pool_failed, why);
      done(std::move(s));
    };
    self->request(root, inspect_timeout, lookup_atom::value, names[i])
      .then(
        [self, done, missing](pool_actor& pool) {
          if (!pool)
            return missing("restarting");
          self->request(pool, inspect_timeout, inspect_atom::value)
            .then([done](pool_snapshot& s) { done(std::move(s)); },
                  [missing](caf::error&) { missing("did not answer"); });
        },
        [missing](caf::error&) { missing("not found"); });
  }
}

node_actor::behavior_type gateway(gateway_ptr self, host_actor root,
                                  std::vector<std::string> pools) {
  self->set_down_handler([self](caf::down_msg& down) {
    auto& subs = self->state.subscribers;
    if (auto i = subs.find(down.source); i != subs.end()) {
      telemetry::unsubscribe(i->second.first, i->second.second);
      subs.erase(i);
    }
  });
  // Unpublished: the bus stops sending to the other hosts.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& [addr, sub] : self->state.subscribers)
      telemetry::unsubscribe(sub.first, sub.second);
    self->state.subscribers.clear();
    self->quit(msg.reason);
  });
  return {
    [](hello_atom, uint32_t) { return cluster_protocol; },
    [self, root](lookup_atom atom, const std::string& name) {
      return self->delegate(root, atom, name);
    },
    [self](subscribe_remote_atom, caf::actor& who, uint16_t bits) {
      if (!who)
        return;
      // Only the bits of known topics.
      telemetry::topic wanted{static_cast<uint16_t>(
        bits & (telemetry::topic::events | telemetry::topic::snapshots).bits())};
      auto& subs = self->state.subscribers;
      auto [it, added] = subs.emplace(who.address(),
                                      std::make_pair(who, wanted));
      if (!added) {
        telemetry::unsubscribe(it->second.first, it->second.second);
        it->second.second = wanted;
      } else {
        self->monitor(who);
      }
      telemetry::subscribe(who, wanted);
    },
    [self, root, pools](inspect_atom) {
      auto rp = self->make_response_promise<std::vector<pool_snapshot>>();
      inspect_all(self, root, pools, rp);
      return rp;
    },
  };
}

} // namespace

node_actor spawn_node_gateway(caf::actor_system& sys, host_actor root,
                              std::vector<std::string> pools) {
  return sys.spawn(gateway, std::move(root), std::move(pools));
}

std::string protocol_problem(uint32_t protocol) {
  if (protocol == cluster_protocol)
    return {};
  return "speaks protocol " + std::to_string(protocol) + ", this host "
         + std::to_string(cluster_protocol) + " (another Snakepit version)";
}

} // namespace snakepit
