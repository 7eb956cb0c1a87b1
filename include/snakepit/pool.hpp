#pragma once

/// A pool actor routes requests to its workers.
///
/// It owns a per-pool supervisor (one_for_one) whose children are the worker
/// actors; workers report `worker_ready` and each request goes to the
/// least-loaded ready worker with a free slot (`slot_table`). When every
/// slot is busy, requests wait in a bounded FIFO (`request_queue`) until a
/// slot frees or their queue timeout passes. Every request gets exactly one
/// reply: the result, or a failure (`pool_saturated`, `queue_timeout`,
/// `request_timeout`, `worker_crashed`, `python_error`, `unknown_command`,
/// `invalid_arguments`, `pool_failed`, `shutting_down`).
///
/// Before anything else a request is checked (see actors/request_checks.hpp
/// and docs/configuration.md, "Input limits"): its command, pool and
/// session id, the pool it names (empty, or this pool's name: a request
/// naming another pool is refused with `invalid_arguments`, not routed),
/// and its arguments against `max_json_depth` and `max_request_bytes`.
/// Large arguments are checked by a one-shot actor, off the pool's path
/// (actors/argument_checker.hpp).
///
/// Workers that crash while serving are restarted with a backoff of their
/// slot and never fail the pool; failed starts are charged to the restart
/// budget. If the supervisor gives up (budget spent, e.g. an adapter that
/// cannot be imported), the pool stays up in a failed state and answers
/// every request at once with `pool_failed`, carrying the worker's own
/// error and Python traceback, instead of restarting workers in a loop.
/// It then probes with one worker after `recovery_backoff` (doubling up to
/// `recovery_backoff_max`) and comes back when the probe is ready, or when
/// restarted by hand (actors/pool_supervision.hpp). An `idempotent` request
/// whose worker crashed under it runs once more on another worker.
///
/// Each pool also runs a lifecycle actor (actors/lifecycle_actor.hpp) that
/// recycles workers make-before-break (see actors/pool_recycling.hpp).
///
/// interface pool {
///   (execute_atom, execute_request) -> (execute_reply)
///   (status_atom) -> (pool_snapshot)  // <snakepit/snapshots.hpp>, cheap
///   (await_ready_atom) -> (pool_snapshot)  // once all ready, or failed
///   (inspect_atom) -> (pool_snapshot)  // with the "inspect only" fields
///   (recycle_atom, std::string worker_id) -> (recycle_ack)
///       // "" recycles every worker; returns at once; errors:
///       // invalid_arguments (no such worker), pool_failed, shutting_down
///   (restart_atom) -> (restart_ack)
///       // restarts a failed pool now (restarted = true); leaves a pool
///       // that has not failed alone (false); errors: shutting_down
/// }

#include <caf/fwd.hpp>

#include <memory>

#include <snakepit/config.hpp>
#include <snakepit/runtime.hpp>

namespace snakepit {

/// Spawns a pool linked to `parent` (the user's actor or a supervisor).
caf::actor spawn_pool(caf::local_actor* parent, pool_config cfg,
                      std::shared_ptr<const worker_environment> env);

} // namespace snakepit
