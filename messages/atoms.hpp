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
/// Restarts a supervised child after its backoff delay.
using restart_atom = caf::atom_constant<caf::atom("sp_restart")>;
/// Lists the pools of a host: `(list_pools_atom) -> std::vector<pool_status>`.
using list_pools_atom = caf::atom_constant<caf::atom("sp_pools")>;
/// Finds a pool by name: `(lookup_atom, std::string) -> caf::actor`.
using lookup_atom = caf::atom_constant<caf::atom("sp_lookup")>;

} // namespace snakepit
