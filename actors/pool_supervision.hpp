#pragma once

/// Internal to the pool actor: its worker supervisor and the recovery of a
/// failed pool. The pool runs its workers under a supervisor; when that
/// supervisor gives up (failed starts beyond the restart budget) the pool
/// fails, and after a growing backoff it probes: one worker started
/// outside any supervisor. Once the probe is ready the pool stops it and
/// restarts all its workers under a fresh supervisor (a fresh budget); if
/// the probe fails, the pool waits longer. A manual restart brings a failed
/// pool back at once.

#include "actors/pool_state.hpp"
#include "messages/lifecycle_messages.hpp"
#include "messages/worker_messages.hpp"

namespace snakepit::detail {

/// An exit or down message from `source`: true when it came from a worker
/// supervisor of the pool (then handled: after a stop the pool quits,
/// otherwise it fails and begins its recovery). A supervisor that gives up
/// sends both; the second is only recognised.
bool on_supervisor_notice(pool_ptr self, const caf::actor_addr& source,
                          const caf::error& reason);

/// The pool is back to full strength: a later failure starts its recovery
/// backoff over (a pool that fails again before this keeps backing off).
void note_full_strength(pool_ptr self);

/// Spawns the worker supervisor with the pool's full size and a fresh
/// restart budget, and monitors it.
void start_workers(pool_ptr self);

/// The pool has just failed: publishes `pool.failed` and schedules the
/// first recovery probe (unless automatic recovery is off).
void begin_recovery(pool_ptr self);

/// The recovery timer of `round` fired: starts a probe if the pool is still
/// failed and no newer round began.
void on_recovery_timer(pool_ptr self, uint64_t round);

/// True when `ev` is the probe's (then handled: the pool comes back).
bool on_probe_ready(pool_ptr self, const worker_ready& ev);

/// True when `ev` is the probe's (then handled: the failure is updated to
/// the probe's and the next probe scheduled).
bool on_probe_exited(pool_ptr self, const worker_exited& ev);

/// True when `source` is the probe (then handled like a failed probe).
bool on_probe_down(pool_ptr self, const caf::actor_addr& source,
                   const caf::error& reason);

/// Stops the probe, if one runs.
void stop_probe(pool_ptr self);

/// `(restart_atom)`: restarts a failed pool now; a pool that has not
/// failed is left alone (`restarted` false).
caf::result<restart_ack> on_manual_restart(pool_ptr self);

} // namespace snakepit::detail
