#pragma once

/// Internal to the pool actor: streams' callers. A stream is a request
/// (pool_requests.cpp) whose reply is its end; this part keeps who called
/// it and on which call it runs, passes the caller's acknowledgements to
/// the worker as credit, and cancels streams whose caller gives up or
/// quits (docs/streaming.md).

#include <optional>

#include "actors/pool_state.hpp"

namespace snakepit::detail {

/// Opens a stream for the current sender: monitors it, tells it
/// `stream_opened` and returns the stream's id; 0 when the sender is no
/// actor (it could not take chunks).
uint64_t open_stream(pool_ptr self);

/// The caller of stream `id`, when it is open and not cancelled.
caf::actor stream_caller(pool_ptr self, uint64_t id);

/// Stream `id` runs as call `call_id` now.
void stream_dispatched(pool_ptr self, uint64_t id, uint64_t call_id);

/// Stream `id` has its reply: forgets it.
void end_stream(pool_ptr self, uint64_t id);

/// `(stream_ack_atom, id, chunks)` from the stream's caller: the worker may
/// send `chunks` more (never beyond the window). From anyone else: ignored.
void on_stream_ack(pool_ptr self, uint64_t id, uint32_t chunks);

/// `(stream_cancel_atom, id)` from the stream's caller: ends the stream
/// with `cancelled` and closes its generator in Python. From anyone else:
/// ignored.
void on_stream_cancel(pool_ptr self, uint64_t id);

/// `source` went down: cancels its streams. False when it called none.
bool on_stream_caller_down(pool_ptr self, const caf::actor_addr& source);

} // namespace snakepit::detail
