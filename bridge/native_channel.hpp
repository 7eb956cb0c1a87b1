#pragma once

/// The native transport: a `channel` over one persistent Unix-socket
/// connection to a worker, carrying length-prefixed Envelope frames
/// (proto/native.proto, bridge/frame_codec.hpp) in both directions. Many
/// calls are in flight on the connection at once and their replies come in
/// any order, paired by call id. One I/O thread (`native_io`) drives the
/// connections of a host; a caller's thread writes its own call directly
/// when nothing is queued before it (a non-blocking send), so that a call
/// costs no wake-up of the I/O thread on the way out.
///
/// Call ids: `execute` takes the caller's id, which must be below 2^63;
/// pings and describes take ids with the high bit set, from a counter of
/// the channel's own, so the two never collide.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "bridge/channel.hpp"

namespace snakepit::bridge {

/// The I/O thread of the native transport, shared by a host's channels.
/// It lives as long as the last channel or holder; its last reference may
/// be dropped on any thread, the I/O thread included.
class native_io;

/// Starts an I/O thread.
std::shared_ptr<native_io> make_native_io();

/// A channel to the worker listening on `socket_path`. Returns at once: the
/// connection is made on the I/O thread, and calls issued before it is up
/// wait in the write queue. A frame over `max_message_bytes` (at most
/// 2 GiB - 1) from the worker is a protocol error; a call whose request is
/// over it fails at once with `invalid_arguments`. `on_broken` runs on the
/// I/O thread when the connection ends for any reason other than the
/// channel's destruction (the peer closed it, it could not be made, a
/// protocol error: oversized, truncated or garbage frame). When the connection ends, every call
/// pending gets `worker_crashed` ("worker connection lost: <why>"), and so
/// does every later call. Destroying the channel closes the connection;
/// calls still pending then get `worker_crashed` ("channel closed").
/// `host_tools` are listed to the worker first thing, and its tools' host
/// calls go to `host_tools.on_call` (bridge/native_host_calls.cpp).
std::shared_ptr<channel> make_native_channel(std::shared_ptr<native_io> io,
                                             const std::string& socket_path,
                                             std::size_t max_message_bytes,
                                             broken_callback on_broken,
                                             host_tool_service host_tools = {});

} // namespace snakepit::bridge
