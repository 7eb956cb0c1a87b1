#pragma once

/// What a pool sends the caller of a stream (see docs/streaming.md):
///
///   self->request(pool, caf::infinite, execute_stream_atom::value, req)
///     .then([](execute_reply& end) { ... });  // after the last chunk
///   // meanwhile, to `self`: one stream_opened, then stream_chunks in order
///   // (acknowledge each with (stream_ack_atom, stream_id, n) to the pool)
///
/// The reply to the request is the stream's end: success (its output counts
/// the chunks) or the failure that ended it.

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

#include <snakepit/requests.hpp>

namespace snakepit {

/// The first message of every stream: the id that its chunks carry and
/// that the caller acknowledges and cancels with.
struct stream_opened {
  uint64_t stream_id = 0;
};

/// One value the tool's generator yielded, in order.
struct stream_chunk {
  uint64_t stream_id = 0;
  /// 0 for the first chunk of the stream, then 1, 2, ...
  uint64_t index = 0;
  /// JSON text of the value, unless `binary`.
  std::string json;
  /// The value's raw bytes when the tool yielded `bytes`.
  bytes data{};
  /// True when the value is raw bytes (`data`).
  bool binary = false;
};

/// Inspects stream_opened.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_opened& x) {
  return f(caf::meta::type_name("stream_opened"), x.stream_id);
}

/// Inspects stream_chunk.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_chunk& x) {
  return f(caf::meta::type_name("stream_chunk"), x.stream_id, x.index, x.json,
           x.data, x.binary);
}

} // namespace snakepit
