#pragma once

/// A stream through a remote pool (cluster/remote_pool.hpp): the other
/// host's pool sends a stream's chunks to the actor that requested it and
/// takes acknowledgements from that actor only. So for each stream the
/// remote pool spawns a relay that requests the stream there and passes
/// `stream_opened` and the chunks on to the caller, and the remote pool
/// passes the caller's acknowledgements and cancel to the relay. The end of
/// the stream (its reply) goes back to the remote pool, which answers the
/// caller once, or `node_down` if the other host goes first.

#include <caf/fwd.hpp>

#include <caf/atom.hpp>

#include <cstdint>

#include <snakepit/interfaces.hpp>

namespace snakepit {

/// `(stream_relayed_atom, call, stream_id)`: relay to remote pool, the
/// stream of call `call` opened there with id `stream_id`.
using stream_relayed_atom = caf::atom_constant<caf::atom("sp_srelay")>;

/// `(stream_ended_atom, call, reply)`: relay to remote pool, the stream of
/// call `call` ended with `reply` (its end, or why there was none).
using stream_ended_atom = caf::atom_constant<caf::atom("sp_sended")>;

/// Spawns the relay of call `call`: it requests `req` as a stream from
/// `remote` (waiting at most `timeout` for its end), passes what the stream
/// sends on to `caller`, and reports to `owner` (the remote pool). It
/// cancels the stream there when `caller` goes away, and quits at the end.
caf::actor spawn_stream_relay(caf::local_actor* owner, caf::actor caller,
                              pool_actor remote, execute_request req,
                              uint64_t call, caf::timespan timeout);

} // namespace snakepit
