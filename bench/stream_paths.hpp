#pragma once

/// The measured paths of snakepit_bench's streams section: a stream read
/// by the blocking `stream_reader` or by an event-based actor that
/// acknowledges every `batch` chunks, the same bytes moved by one-shot
/// calls, and a Python loop of host calls (the showcase's
/// `time_host_calls`).

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <snakepit/interfaces.hpp>
#include <snakepit/requests.hpp>

namespace snakepit {
class client;
} // namespace snakepit

namespace snakepit::bench {

/// What one stream (or one series of one-shot calls) moved, and how fast.
struct transfer_samples {
  /// Chunks (or calls' results) received.
  uint64_t chunks = 0;
  /// Their bytes.
  uint64_t bytes = 0;
  /// From the first request to the end of the last reply.
  std::chrono::nanoseconds wall{0};
  /// A stream: the time from each chunk to the next (the first chunk's
  /// wait is not a gap). One-shot calls: each call's round trip.
  std::vector<int64_t> gaps_ns;
  /// Empty, or why the transfer failed (the first failure).
  std::string error;
};

/// Reads `req` as a stream with `client::stream` (each `next` acknowledges
/// its chunk).
transfer_samples run_stream_blocking(client& c, const execute_request& req);

/// `calls` sequential one-shot calls of `req` through the blocking client,
/// each result counted as one chunk (binary or JSON text).
transfer_samples run_calls_blocking(client& c, const execute_request& req,
                                    int calls);

/// A Python loop of host calls timed by the tool itself, per call.
struct host_loop_figures {
  /// `context.call_host` of the host tool, microseconds per call.
  double host_us = 0;
  /// The same loop calling a trivial Python function, microseconds.
  double local_us = 0;
  /// Empty, or why the call failed.
  std::string error;
};

/// Calls the showcase's `time_host_calls` on `pool`: host tool `tool`
/// `calls` times from Python, with the arguments `{"x": 1}`.
host_loop_figures run_host_loop(client& c, const std::string& pool,
                                const std::string& tool, int calls);

/// An event-based actor reading one stream at a time, as an application's
/// actor would: it acknowledges every `batch` chunks with one
/// `stream_ack_atom` to the pool, and times the gaps between chunks inside
/// the actor.
class stream_consumer {
public:
  /// Spawns the consumer.
  stream_consumer(caf::actor_system& sys, pool_actor pool);

  /// Stops the consumer.
  ~stream_consumer();

  stream_consumer(const stream_consumer&) = delete;
  stream_consumer& operator=(const stream_consumer&) = delete;

  /// Reads `req` as a stream to its end, acknowledging every `batch`
  /// chunks (blocks the calling thread, not the actor's).
  transfer_samples run(const execute_request& req, uint32_t batch);

private:
  caf::actor_system& sys_;
  caf::actor self_;
  std::shared_ptr<transfer_samples> out_;
};

} // namespace snakepit::bench
