#pragma once

/// Streams passed on by an actor that is not the pool serving them: a
/// remote pool (the pool is on the other host) and a pool group (the pool
/// is the member it picked). A pool sends a stream's chunks to the actor
/// that requested it and takes acknowledgements from that actor only. So
/// for each stream the passing actor (the owner) spawns a relay that
/// requests the stream from the serving pool and passes `stream_opened`
/// and the chunks on to the caller, under the owner's id for the call: the
/// caller acknowledges and cancels with that id at the owner, which passes
/// both to the relay (from the caller only), and the relay to the serving
/// pool under its own id. The end of the stream (its reply) goes back to
/// the owner as `stream_ended_atom`; the owner answers the caller once,
/// or earlier with its own failure (`node_down`, a member stopped).

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/duration.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <map>

#include <snakepit/interfaces.hpp>

namespace snakepit {

/// `(stream_ended_atom, call, reply)`: relay to owner, the stream of call
/// `call` ended with `reply` (its end, or why there was none).
using stream_ended_atom = caf::atom_constant<caf::atom("sp_sended")>;

/// The failure of a stream requested by no actor (an anonymous request):
/// its chunks would have nowhere to go.
failure no_stream_caller();

/// The streams an owner passes on, each through its relay, by call id.
class stream_relays {
public:
  /// Spawns the relay of call `call` (new for the owner's lifetime): it
  /// requests `req` as a stream from `pool` (waiting at most `timeout` for
  /// its end), passes what it sends on to `caller` under the id `call`,
  /// and reports the end to `owner`. It cancels the stream there when
  /// `caller` goes away, and quits at the end.
  void open(caf::local_actor* owner, caf::actor caller, pool_actor pool,
            execute_request req, uint64_t call, caf::duration timeout);

  /// Passes `(stream_ack_atom, call, chunks)` on to the relay of `call`
  /// when `owner`'s current message comes from its caller.
  void ack(caf::local_actor* owner, uint64_t call, uint32_t chunks);

  /// Passes `(stream_cancel_atom, call)` on likewise.
  void cancel(caf::local_actor* owner, uint64_t call);

  /// The stream of `call` ended: its relay quit by itself.
  void ended(uint64_t call);

  /// Stops the relay of `call`, whose caller the owner answers itself.
  void stop(caf::local_actor* owner, uint64_t call);

  /// Stops every relay (the owner is stopping or lost the serving host).
  void stop_all(caf::local_actor* owner);

private:
  struct link {
    caf::actor relay;
    /// Who requested it: the only actor whose acknowledgements and
    /// cancel are passed on.
    caf::actor caller;
  };

  /// The link of `call`, if `owner`'s current message comes from its
  /// caller; else null.
  const link* from_caller(caf::local_actor* owner, uint64_t call) const;

  std::map<uint64_t, link> links_;
};

} // namespace snakepit
