#pragma once

/// The atoms of a pool's and a host's public interface (see
/// <snakepit/pool.hpp>). CAF 0.17 atoms hold at most 10 characters.

#include <caf/atom.hpp>

namespace snakepit {

/// Runs one command on a pool: `(execute_atom, execute_request)`.
using execute_atom = caf::atom_constant<caf::atom("sp_exec")>;
/// Asks a pool for its status: `(status_atom) -> pool_snapshot`.
using status_atom = caf::atom_constant<caf::atom("sp_status")>;
/// Waits until a pool has all its workers ready (or has failed):
/// `(await_ready_atom) -> pool_snapshot`.
using await_ready_atom = caf::atom_constant<caf::atom("sp_await")>;
/// Restarts. A supervisor's timer: `(restart_atom, std::string id)`
/// restarts a child after its backoff delay. To a pool: `(restart_atom) ->
/// restart_ack` restarts a failed pool now (errors: shutting_down).
using restart_atom = caf::atom_constant<caf::atom("sp_restart")>;
/// Lists the pools of a host:
/// `(list_pools_atom) -> std::vector<pool_snapshot>`.
using list_pools_atom = caf::atom_constant<caf::atom("sp_pools")>;
/// Recycles workers. To a pool: `(recycle_atom, std::string worker_id) ->
/// recycle_ack` (an empty id: every worker). From a lifecycle actor to its
/// pool: `(recycle_atom, uint64_t key, recycle_reason) -> bool`.
using recycle_atom = caf::atom_constant<caf::atom("sp_recycle")>;
/// Inspects a pool: `(inspect_atom) -> pool_snapshot`; internally the
/// pool hands `(inspect_atom, pool_snapshot)` to its lifecycle actor,
/// which adds its measurements and answers.
using inspect_atom = caf::atom_constant<caf::atom("sp_inspect")>;
/// Finds a pool by name: `(lookup_atom, std::string) -> caf::actor`; an
/// unknown name is the error `pool_not_found` (see <snakepit/errors.hpp>).
using lookup_atom = caf::atom_constant<caf::atom("sp_lookup")>;
/// Runs one command as a stream: `(execute_stream_atom, execute_request)
/// -> execute_reply`, the reply being the stream's end (see
/// <snakepit/streams.hpp>).
using execute_stream_atom = caf::atom_constant<caf::atom("sp_stream")>;
/// Acknowledges chunks of a stream the caller has taken:
/// `(stream_ack_atom, uint64_t stream_id, uint32_t chunks)`; the worker may
/// then send that many more.
using stream_ack_atom = caf::atom_constant<caf::atom("sp_sack")>;
/// Cancels a stream: `(stream_cancel_atom, uint64_t stream_id)`; it ends
/// with `cancelled` and the generator is closed in Python.
using stream_cancel_atom = caf::atom_constant<caf::atom("sp_scancel")>;
/// Closes a session: `(close_session_atom, std::string session_id) ->
/// bool` (true when the pool knew it); its worker's adapter runs
/// `close_session`, and requests waiting for it get `session_lost`.
using close_session_atom = caf::atom_constant<caf::atom("sp_sclose")>;

} // namespace snakepit
