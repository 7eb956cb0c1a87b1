#pragma once

/// Every atom of the Snakepit protocol, declared once. CAF 0.17 atoms hold at
/// most 10 characters.

#include <caf/atom.hpp>

namespace snakepit {

/// Runs one command on a pool: `(execute_atom, execute_request)`.
using execute_atom = caf::atom_constant<caf::atom("sp_exec")>;
/// Asks a pool for its status: `(status_atom) -> pool_status`.
using status_atom = caf::atom_constant<caf::atom("sp_status")>;
/// Waits until a pool has all its workers ready (or has failed):
/// `(await_ready_atom) -> pool_status`.
using await_ready_atom = caf::atom_constant<caf::atom("sp_await")>;
/// A worker asks its pool for permission to start its process, so that
/// start-up concurrency stays bounded: `(start_permit_atom) -> bool`.
using start_permit_atom = caf::atom_constant<caf::atom("sp_permit")>;
/// Internal timer tick of an actor (queue deadlines, ready-file polling).
using tick_atom = caf::atom_constant<caf::atom("sp_tick")>;
/// A worker's timer to probe the calls its Python process still runs.
using probe_atom = caf::atom_constant<caf::atom("sp_probe")>;
/// A worker's health-check timer.
using health_atom = caf::atom_constant<caf::atom("sp_health")>;
/// Restarts. A supervisor's timer: `(restart_atom, std::string id)`
/// restarts a child after its backoff delay. To a pool: `(restart_atom) ->
/// restart_ack` restarts a failed pool now (errors: shutting_down).
using restart_atom = caf::atom_constant<caf::atom("sp_restart")>;
/// A failed pool's timer for its next recovery probe:
/// `(recover_atom, uint64_t round)`.
using recover_atom = caf::atom_constant<caf::atom("sp_recover")>;
/// Lists the pools of a host: `(list_pools_atom) -> std::vector<pool_status>`.
using list_pools_atom = caf::atom_constant<caf::atom("sp_pools")>;
/// Starts a new instance of a supervised child while the old one keeps
/// running: `(replace_child_atom, std::string id) -> caf::actor`.
using replace_child_atom = caf::atom_constant<caf::atom("sp_replace")>;
/// Recycles workers. To a pool: `(recycle_atom, std::string worker_id) ->
/// recycle_ack` (an empty id: every worker). From a lifecycle actor to its
/// pool: `(recycle_atom, uint64_t key, recycle_reason) -> bool`.
using recycle_atom = caf::atom_constant<caf::atom("sp_recycle")>;
/// A lifecycle actor's timer, and its request for the pool's workers:
/// `(lifecycle_atom) -> lifecycle_view`.
using lifecycle_atom = caf::atom_constant<caf::atom("sp_life")>;
/// A pool's drain deadline of a recycled worker: `(drain_atom, uint64_t)`.
/// To a worker: `(drain_atom, bool graceful)` stops it and its process
/// (graceful: SIGTERM, grace, SIGKILL; else SIGKILL at once), without
/// the exit message a kill would propagate to its supervisor.
using drain_atom = caf::atom_constant<caf::atom("sp_drain")>;
/// Inspects a pool: `(inspect_atom) -> pool_inspection`; internally the
/// pool hands `(inspect_atom, pool_inspection)` to its lifecycle actor,
/// which adds its measurements and answers.
using inspect_atom = caf::atom_constant<caf::atom("sp_inspect")>;
/// Finds a pool by name: `(lookup_atom, std::string) -> caf::actor`; an
/// unknown name is the error `pool_not_found` (see messages/errors.hpp).
using lookup_atom = caf::atom_constant<caf::atom("sp_lookup")>;

} // namespace snakepit
