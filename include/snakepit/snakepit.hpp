#pragma once

/// Snakepit for C++: supervised pools of Python workers on CAF.
///
/// The one header a user includes. Outside actors, `snakepit::host` starts
/// every pool of a config and gives blocking calls (see host.hpp). Inside an
/// actor system (see bootstrap.hpp):
///
///   auto env = snakepit::bootstrap(host_cfg);  // actor system + runtime
///   if (!env) { /* describe(env.error()) */ }
///   auto& sys = (*env)->system();
///   auto root = snakepit::spawn_host(sys, host_cfg, (*env)->runtime());
///   snakepit::client c{sys, root};
///   auto reply = c.execute("default", "add", R"({"a":1,"b":2})");
///   if (reply) use(reply->result_json);
///
/// or, inside one's own actor, `snakepit::spawn_pool(self, pool_cfg,
/// rt->env())` for a pool linked to (and stopped with) that actor. Every
/// call that can fail answers a `result<T>` (result.hpp).

#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <variant>

#include <snakepit/atoms.hpp>
#include <snakepit/bootstrap.hpp>
#include <snakepit/client.hpp>
#include <snakepit/config.hpp>
#include <snakepit/errors.hpp>
#include <snakepit/host.hpp>
#include <snakepit/pool.hpp>
#include <snakepit/requests.hpp>
#include <snakepit/result.hpp>
#include <snakepit/runtime.hpp>
#include <snakepit/sessions.hpp>
#include <snakepit/snapshots.hpp>
#include <snakepit/streams.hpp>
#include <snakepit/supervision.hpp>
#include <snakepit/telemetry.hpp>

namespace snakepit {

/// Registers Snakepit's message types and error category with a CAF
/// configuration. Call before creating the actor system (`prepare` does,
/// with the telemetry types and `tune_for_latency`).
void register_types(caf::actor_system_config& cfg);

/// Sets CAF's scheduler to the `sharing` policy, which wakes an idle
/// scheduler thread at once when a message arrives from outside CAF (gRPC
/// completions, blocking clients). CAF 0.17's default work-stealing policy
/// lets idle threads sleep in ~50-120 us steps, which adds up to that much to
/// every pool call; see docs/performance.md for the measurements.
/// `prepare` (and so `bootstrap` and `snakepit::host`) applies it.
void tune_for_latency(caf::actor_system_config& cfg);

/// Spawns the root supervisor of a host: one child per configured pool
/// (one_for_one, pools are permanent), each pool with its own worker
/// supervisor. Look pools up by name with `(lookup_atom, name)`.
host_actor spawn_host(caf::actor_system& sys, const host_config& cfg,
                      const std::shared_ptr<runtime>& rt);

} // namespace snakepit
