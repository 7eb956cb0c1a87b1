#pragma once

/// A worker actor owns one Python process and its gRPC channel.
///
/// Life: ask the pool for a start permit (bounded start-up concurrency),
/// launch the process, wait for its ready file (atomic rename, start-up
/// timeout), report `worker_ready` to the pool, then run `dispatch`ed calls
/// through the non-blocking channel; each call's completion goes straight
/// from the gRPC thread to the pool as `call_done`. When the process dies
/// the worker tells the pool (`worker_exited`, with the output tail) and
/// quits with a failure so its supervisor restarts it. On an exit message
/// it stops the process gracefully (SIGTERM, grace, SIGKILL) and quits once
/// the process is reaped. Nothing here blocks: process and gRPC events
/// arrive as messages.

#include <caf/actor.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include <snakepit/config.hpp>

#include "actors/worker_environment.hpp"

namespace snakepit {

/// Everything one worker needs to start.
struct worker_spec {
  /// Pool-unique key, never reused within a pool (replacements get new ones).
  uint64_t key = 0;
  /// Human-readable id used in logs and replies, e.g. "default/w3".
  std::string id;
  /// Id of the supervisor child this worker fills, e.g. "default/slot2";
  /// a recycled worker's replacement fills the same slot.
  std::string slot;
  /// The pool's configuration (interpreter, adapter, timeouts, slots).
  pool_config pool;
  /// Shared launcher and run directory.
  std::shared_ptr<const worker_environment> env;
  /// The pool actor that routes to this worker.
  caf::actor pool_actor;
};

/// Capacity slots of one worker of `cfg`: 1 in the process profile,
/// `threads_per_worker` in the thread profile.
inline int slots_of(const pool_config& cfg) {
  return cfg.profile == worker_profile::thread ? cfg.threads_per_worker : 1;
}

/// Spawns a worker actor, linked to `parent` (its supervisor).
caf::actor spawn_worker(caf::local_actor* parent, worker_spec spec);

/// Spawns a worker actor linked to no one: a failed pool's recovery probe,
/// which the pool monitors and stops itself.
caf::actor spawn_unlinked_worker(caf::actor_system& sys, worker_spec spec);

} // namespace snakepit
