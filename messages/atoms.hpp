#pragma once

/// The atoms of Snakepit's internal protocol (timers, messages between a
/// pool, its workers, its lifecycle actor and supervisors); the public ones
/// are in <snakepit/atoms.hpp>. CAF 0.17 atoms hold at most 10 characters.

#include <caf/atom.hpp>

#include <snakepit/atoms.hpp>

namespace snakepit {

/// A worker asks its pool for permission to start its process, so that
/// start-up concurrency stays bounded: `(start_permit_atom) -> bool`.
using start_permit_atom = caf::atom_constant<caf::atom("sp_permit")>;
/// Internal timer tick of an actor (queue deadlines, ready-file polling).
using tick_atom = caf::atom_constant<caf::atom("sp_tick")>;
/// A worker's timer to probe the calls its Python process still runs.
using probe_atom = caf::atom_constant<caf::atom("sp_probe")>;
/// A worker's health-check timer.
using health_atom = caf::atom_constant<caf::atom("sp_health")>;
/// A failed pool's timer for its next recovery probe:
/// `(recover_atom, uint64_t round)`.
using recover_atom = caf::atom_constant<caf::atom("sp_recover")>;
/// Starts a new instance of a supervised child while the old one keeps
/// running: `(replace_child_atom, std::string id) -> caf::actor`, or
/// `(replace_child_atom, std::string id, caf::actor instance) -> caf::actor`
/// to replace only that instance.
using replace_child_atom = caf::atom_constant<caf::atom("sp_replace")>;
/// Moves a supervised child's running instance into another child, whose
/// instance retires; the first child starts anew:
/// `(adopt_child_atom, std::string from, std::string into, caf::actor
/// instance) -> bool`.
using adopt_child_atom = caf::atom_constant<caf::atom("sp_adopt")>;
/// A lifecycle actor's timer, and its request for the pool's snapshot:
/// `(lifecycle_atom) -> pool_snapshot`.
using lifecycle_atom = caf::atom_constant<caf::atom("sp_life")>;
/// A pool asks its lifecycle actor to check its workers now, not at its
/// next timer (a worker reached its request limit, or a spare is ready).
using due_check_atom = caf::atom_constant<caf::atom("sp_duechk")>;
/// A pool's drain deadline of a recycled worker: `(drain_atom, uint64_t)`.
/// To a worker: `(drain_atom, bool graceful)` stops it and its process
/// (graceful: SIGTERM, grace, SIGKILL; else SIGKILL at once), without
/// the exit message a kill would propagate to its supervisor.
using drain_atom = caf::atom_constant<caf::atom("sp_drain")>;
/// A pool's session expiry timer: `(session_sweep_atom)`.
using session_sweep_atom = caf::atom_constant<caf::atom("sp_ssweep")>;

} // namespace snakepit
