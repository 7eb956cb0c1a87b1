#pragma once

/// Internal to the pool actor: starting workers. A worker asks the pool
/// for a start permit before it spawns Python, so that at most
/// `startup_concurrency` interpreters start at once; callers of
/// `(await_ready_atom)` wait until every worker is ready or the pool fails.

#include "actors/pool_state.hpp"
#include "messages/worker_messages.hpp"

namespace snakepit::detail {

/// `(start_permit_atom)` from a worker: granted now or when a permit frees
/// (true), or refused because the pool stops (false).
caf::typed_response_promise<bool> on_start_permit(pool_ptr self);

/// The worker at `addr` started, failed or went: its permit, if it held
/// one, goes to the next in line.
void release_permit(pool_ptr self, const caf::actor_addr& addr);

/// The pool stops: workers waiting for a permit are refused.
void refuse_permits(pool_ptr self);

/// `(await_ready_atom)`: answered at once when every worker is ready or the
/// pool failed, else when that happens.
caf::typed_response_promise<pool_snapshot> on_await_ready(pool_ptr self);

/// Answers the callers waiting for readiness if the pool is ready or
/// failed now.
void notify_ready_waiters(pool_ptr self);

/// Warns once per pool when the thread profile runs on an interpreter with
/// the GIL, where pure-Python work does not run in parallel.
void warn_if_gil_bound(pool_ptr self, const worker_ready& ev);

} // namespace snakepit::detail
