#pragma once

/// snakepit_bench's streams section (issue 12): one host with two 1-worker
/// pools on the native transport (stream_window 16, and 1), showcase
/// adapter, and two host tools (a function and an actor answering their
/// arguments). In alternating rounds, the first path rotating:
///   - stream throughput of `count_bytes` (1 KiB and 64 KiB chunks) read
///     by the blocking reader, by an actor acknowledging each chunk and by
///     one acknowledging every stream_window/2, against the same bytes
///     moved by one-shot calls of `blob` (one call per chunk, and one call
///     for all);
///   - the gap between chunks at window 1 (the per-chunk round trip)
///     against a sequential one-shot `ping`;
///   - a Python loop of host calls (`time_host_calls`) against the same
///     loop of a Python function, and against `ping`.

#include "bench/json_report.hpp"
#include "bench/startup.hpp"

namespace snakepit::bench {

/// How much the section moves.
struct streams_options {
  /// Alternating rounds; 0 skips the section.
  int rounds = 5;
  /// Chunks of a 1 KiB stream (and one-shot calls of its path).
  int chunks_1k = 2000;
  /// Chunks of a 64 KiB stream.
  int chunks_64k = 200;
  /// Chunks of a window-1 stream, and sequential pings per round.
  int latency_chunks = 500;
  /// Host calls per Python loop.
  int host_calls = 1000;
};

/// Starts the host, runs the rounds, prints the tables and ratios and
/// records them in `out`, then stops everything; false if a pool did not
/// start or a stream or call failed.
bool run_streams(const streams_options& opts, const system_setup& setup,
                 json& out);

} // namespace snakepit::bench
