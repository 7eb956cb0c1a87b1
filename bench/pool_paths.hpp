#pragma once

/// The measured paths through CAF: a pool called by the blocking client or
/// by an event-based actor, and the same two callers against a trivial echo
/// actor (the cost of CAF alone, without Python).

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

#include <snakepit/interfaces.hpp>

#include "bench/stats.hpp"

namespace snakepit {
class client;
struct host_config;
} // namespace snakepit

namespace snakepit::bench {

/// The pool named `name` of the host `root`, null if there is none.
pool_actor lookup_pool(caf::actor_system& sys, const host_actor& root,
                       const std::string& name);

/// Waits up to 60 s for every pool of `cfg` to be ready: empty when all
/// are, else " name: why" for each pool that is not.
std::string await_pools(client& c, const host_config& cfg);

/// `calls` sequential `ping` requests to `pool` through the blocking
/// `snakepit::client` (one scoped actor per call). Records the pool's own
/// dispatch-to-reply time in `samples::inner_ns`.
samples run_pool_blocking(client& c, const std::string& pool, int calls);

/// `calls` requests to `echo`, each from its own scoped actor, the way
/// `snakepit::client` waits for a reply.
samples run_scoped_echo(caf::actor_system& sys, const caf::actor& echo,
                        int calls);

/// Spawns an actor that answers every `(echo_atom)` request at once.
caf::actor spawn_echo(caf::actor_system& sys);

/// An event-based actor that calls a target sequentially: each request
/// leaves when the previous reply arrives, timed with steady_clock inside
/// the actor. This is how actors of a real application call a pool.
class actor_caller {
public:
  /// What the caller sends.
  enum class target_kind {
    /// `(execute_atom, execute_request{"ping"})` to a pool.
    pool_ping,
    /// `(echo_atom)` to an actor from `spawn_echo`.
    echo,
  };

  /// Spawns the caller; `pool_name` names the pool for `pool_ping`.
  actor_caller(caf::actor_system& sys, caf::actor target, target_kind kind,
               std::string pool_name = {});

  /// Stops the caller.
  ~actor_caller();

  actor_caller(const actor_caller&) = delete;
  actor_caller& operator=(const actor_caller&) = delete;

  /// Runs `calls` calls and returns their latencies (blocks the caller's
  /// thread, not the actor's).
  samples run(int calls);

private:
  caf::actor_system& sys_;
  caf::actor self_;
  std::shared_ptr<samples> out_;
};

} // namespace snakepit::bench
