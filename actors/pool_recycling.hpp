#pragma once

/// Internal to the pool actor: make-before-break recycling. The lifecycle
/// actor decides which worker goes and why; the pool asks its supervisor
/// for a replacement in the same slot, keeps routing to the old worker
/// until the replacement is ready, then stops routing to the old one, lets
/// its calls in flight finish (up to `drain_timeout`, then kills it) and
/// stops it. The pool never has fewer ready workers than its size because
/// of a recycle.

#include "actors/pool_state.hpp"
#include "messages/lifecycle_messages.hpp"

namespace snakepit::detail {

/// Starts replacing worker `key` for `reason`, by a ready spare if there is
/// one (actors/pool_spares.hpp), else by a worker started for it; false
/// (nothing started) when the pool is stopping or failed, the worker is
/// unknown, its slot is already being recycled, or no spare is ready and
/// `max_concurrent_recycles` replacements are starting already.
bool begin_recycle(pool_ptr self, uint64_t key, recycle_reason reason);

/// The replacement of worker `key` in `slot` could not start (`why`): the
/// worker keeps serving and stays due.
void abandon_recycle(pool_ptr self, const std::string& slot, uint64_t key,
                     const std::string& why);

/// A worker became ready in `slot`: if it replaces one, drain the old one.
void on_replacement_ready(pool_ptr self, const std::string& slot);

/// Asks the lifecycle actor to check the workers now.
void ask_due_check(pool_ptr self);

/// Stores the request limits the lifecycle actor drew for new workers; a
/// worker already at its limit gets checked now.
void on_request_limits(pool_ptr self, const request_limits& m);

/// A slot of worker `key` was freed: a draining worker with no busy slot
/// left is stopped.
void retire_if_drained(pool_ptr self, uint64_t key);

/// The drain deadline of worker `key` passed: it is killed if still there.
void on_drain_deadline(pool_ptr self, uint64_t key);

/// Worker `key` is being removed (it crashed, or the pool stops): ends a
/// drain of it that can no longer complete.
void forget_recycle_of(pool_ptr self, uint64_t key);

/// A user asked to recycle worker `worker_id` (empty: every worker).
caf::result<recycle_ack> on_manual_recycle(pool_ptr self,
                                           const std::string& worker_id);

/// Stores the lifecycle actor's memory samples.
void on_memory_samples(pool_ptr self, const memory_samples& m);

/// Worker `w` was replaced for `reason`: counted for the inspector and
/// published as `worker.recycled`.
void note_recycled(pool_ptr self, const worker_entry& w,
                   recycle_reason reason);

/// The lifecycle actor reports a missed health check.
void on_health_check_missed(pool_ptr self);

/// Spawns the pool's lifecycle actor.
void start_lifecycle(pool_ptr self);

/// Stops the lifecycle actor (the pool stops); no recycle starts after.
void stop_lifecycle(pool_ptr self);

/// True when worker `key` is draining (being recycled, replacement ready).
bool draining(const pool_state& st, uint64_t key);

/// Ready workers taking requests: every worker but the draining ones.
int live_workers(const pool_state& st);

/// Configured workers not taking requests yet (starting or restarting).
int starting_workers(const pool_state& st);

/// Recycles under way whose replacement is a worker started for it (not a
/// spare).
int starting_replacements(const pool_state& st);

} // namespace snakepit::detail
