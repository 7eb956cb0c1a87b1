#pragma once

/// Reads one stream from code outside actors (`client::stream`):
///
///   auto reader = client.stream(req);
///   while (auto chunk = reader.next())
///     std::cout << chunk->json << '\n';
///   if (!reader.outcome())
///     std::cerr << describe(reader.outcome().error()) << '\n';
///
/// Each chunk taken with `next` is acknowledged to the pool, so the Python
/// generator runs at most the pool's `stream_window` chunks ahead of the
/// reader. Destroying a reader whose stream has not ended cancels it.

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <optional>

#include <snakepit/interfaces.hpp>
#include <snakepit/requests.hpp>
#include <snakepit/streams.hpp>

namespace snakepit {

/// One stream's chunks and end, for a blocking reader (see above).
class stream_reader {
public:
  /// Starts `req` as a stream on `pool` (`client::stream` calls this).
  stream_reader(caf::actor_system& sys, pool_actor pool, execute_request req);
  /// A reader whose stream has ended with `why` before it started.
  stream_reader(caf::actor_system& sys, failure why);
  ~stream_reader();

  stream_reader(stream_reader&&) noexcept;
  stream_reader& operator=(stream_reader&&) noexcept;
  stream_reader(const stream_reader&) = delete;
  stream_reader& operator=(const stream_reader&) = delete;

  /// The next chunk, waiting for it; nullopt once the stream has ended
  /// (then `outcome` says how).
  std::optional<stream_chunk> next();

  /// How the stream ended: its output (`chunks`, `chunk_bytes`, worker,
  /// times) or the failure that ended it. Only once `next` returned
  /// nullopt.
  const execute_reply& outcome() const;

  /// Gives the stream up: the generator is closed in Python, and the
  /// stream ends with `cancelled` (chunks already here still come first).
  void cancel();

  /// The state a reader shares with the actor that relays its stream.
  struct shared;

private:
  std::shared_ptr<shared> shared_;
  caf::actor relay_;
};

} // namespace snakepit
