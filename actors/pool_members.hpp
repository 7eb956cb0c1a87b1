#pragma once

/// Internal to the pool actor: its ready workers. A worker joins when it
/// reports ready and leaves when it exits, goes down, or is retired after a
/// recycle; what becomes of its calls then is the request path's
/// (actors/pool_requests.hpp).

#include "actors/pool_requests.hpp"
#include "messages/worker_messages.hpp"

namespace snakepit::detail {

/// A worker (or the recovery probe) reports ready.
void on_worker_ready(pool_ptr self, worker_ready& ev);

/// A worker reports that its Python process ended, and why.
void on_worker_exited(pool_ptr self, worker_exited& ev);

/// The worker at `source`, if it is one of the pool's, went down without
/// saying why (no worker_exited first).
void on_worker_down(pool_ptr self, const caf::actor_addr& source,
                    const caf::error& reason);

/// Removes worker `key`; its calls in flight meet `fate` (failing with
/// `why`).
void drop_worker(pool_ptr self, uint64_t key, const failure& why,
                 call_fate fate = call_fate::fail);

} // namespace snakepit::detail
