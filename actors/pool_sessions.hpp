#pragma once

/// Internal to the pool actor: sessions (docs/sessions.md). A request with
/// a session id goes to the worker holding the session's state, waits for
/// it, or fails (`session_busy`, `session_lost`), by its affinity mode.
/// Sessions expire after `session_ttl` idle; a worker that goes takes its
/// sessions with it (`session_lost`), unless it is recycled and its
/// adapter can snapshot them: then they move to its replacement before it
/// stops.

#include "actors/pool_state.hpp"
#include "messages/worker_messages.hpp"

namespace snakepit::detail {

/// A checked request with a session id: dispatched, queued, made to wait
/// for its session's worker, or refused.
void admit_session(pool_ptr self, reply_promise& rp, execute_request req,
                   call_bytes_ptr call);

/// A request with a session id taken out of the queue while a slot is
/// free: dispatched, made to wait for its session's worker, or failed.
void route_queued_session(pool_ptr self, queued_request item);

/// Dispatches the requests waiting for sessions whose worker has a free
/// slot now.
void pump_sessions(pool_ptr self);

/// A call of session `id` starts on worker `key`.
void session_call_started(pool_ptr self, const std::string& id, uint64_t key);

/// A call of session `id` that ran on worker `key` ended.
void session_call_ended(pool_ptr self, const std::string& id, uint64_t key);

/// Worker `key` (`worker_id`) left the pool for `why`: its sessions are
/// lost.
void sessions_worker_gone(pool_ptr self, uint64_t key,
                          const std::string& worker_id, const std::string& why);

/// Worker `old_key` drains because `new_key` replaces it: its sessions
/// move there when both can (snapshot hooks, native transport), else they
/// are lost.
void sessions_worker_draining(pool_ptr self, uint64_t old_key,
                              uint64_t new_key);

/// Worker `key` is stopped because its `drain_timeout` ran out: the
/// sessions still moving from it are lost, saying what kept them.
void sessions_drain_cut_off(pool_ptr self, uint64_t key);

/// True while a session moves away from worker `key` (it must not stop
/// yet).
bool sessions_moving_from(pool_ptr self, uint64_t key);

/// A worker answered a session operation.
void on_session_op_done(pool_ptr self, session_op_done& done);

/// `(close_session_atom, id)`: true when the pool knew the session.
bool on_close_session(pool_ptr self, const std::string& id);

/// The expiry timer fired: closes idle sessions, re-arms itself.
void on_session_sweep(pool_ptr self);

/// Requests waiting for their session's worker.
std::size_t sessions_waiting(pool_ptr self);

/// The earliest deadline of a request waiting for its session's worker.
std::optional<clock_type::time_point> next_session_deadline(pool_ptr self);

/// Removes and returns the requests waiting for their session's worker
/// whose deadline is at or before `now`.
std::vector<queued_request> expire_session_waiters(pool_ptr self,
                                                   clock_type::time_point now);

/// Answers every request waiting for its session's worker with `why`.
void fail_session_waiters(pool_ptr self, const failure& why);

} // namespace snakepit::detail
