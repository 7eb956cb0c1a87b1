#pragma once

/// Request and reply types of a pool, with their `inspect` overloads.

#include <caf/meta/type_name.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <snakepit/failure.hpp>
#include <snakepit/result.hpp>
#include <snakepit/sessions.hpp>

namespace snakepit {

/// Raw bytes of a binary argument or result: they travel as they are, never
/// as JSON or base64, and are never unpickled.
using bytes = std::vector<std::byte>;

/// The bytes of `text`, copied: `req.binary_args["blob"] = to_bytes(data)`.
inline bytes to_bytes(std::string_view text) {
  auto first = reinterpret_cast<const std::byte*>(text.data());
  return bytes(first, first + text.size());
}

/// `data` seen as characters, not copied: valid while `data` is unchanged.
inline std::string_view as_chars(const bytes& data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}


/// One command for a pool.
struct execute_request {
  /// Name of the pool; empty means the default pool ("default", or the
  /// host's first pool).
  std::string pool;
  /// The tool (command) of the adapter, e.g. "add".
  std::string command;
  /// Arguments as a JSON object, e.g. `{"a": 1, "b": 2}`; empty means `{}`.
  std::string args_json;
  /// Deadline of the call once a worker has it; zero means the pool's
  /// `request_timeout`.
  std::chrono::milliseconds timeout{0};
  /// Optional session id: the request goes to the worker holding the
  /// session's state (docs/sessions.md), and the adapter gets that state
  /// in its context. At most 1024 bytes of UTF-8.
  std::string session_id;
  /// How the request finds its session's worker; `pool_default` is the
  /// pool's `session_affinity`. Ignored without a session id.
  affinity_mode affinity = affinity_mode::pool_default;
  /// Safe to run twice: if the worker running it crashes (`worker_crashed`;
  /// not a Python error, not a timeout), the pool runs it once more, on
  /// another worker when one is free, else on the next one that frees up
  /// (perhaps the crashed one's replacement). Otherwise such a request
  /// gets `worker_crashed`.
  bool idempotent = false;
  /// Binary arguments by name, handed to the tool as `bytes` keyword
  /// arguments next to those of `args_json`; a name in both is
  /// `invalid_arguments`. They count towards the pool's request size limit.
  std::map<std::string, bytes> binary_args;
};

/// What a successful request yields.
struct execute_output {
  /// JSON text of the result.
  std::string result_json;
  /// The worker that served the request ("default/w2").
  std::string worker;
  /// Time spent waiting in the pool's queue, microseconds.
  int64_t queue_us = 0;
  /// Time from dispatch to a worker until its reply, microseconds.
  int64_t run_us = 0;
  /// The bytes of a tool that returned `bytes`, `bytearray` or
  /// `memoryview` (then `binary` is true and `result_json` is `null`).
  bytes binary_result{};
  /// True when the tool returned bytes (see `binary_result`).
  bool binary = false;
  /// For a stream: the chunks delivered and their bytes (JSON text or raw).
  uint64_t chunks = 0;
  /// See `chunks`.
  uint64_t chunk_bytes = 0;
};

/// The one reply every request gets: its output, or a failure whose
/// `worker`, `queue_us` and `run_us` tell the same as the output's, as far
/// as they are known (no worker for a refused or queue-timed-out request).
using execute_reply = result<execute_output>;

/// What a manual recycle set in motion: the workers that will be replaced,
/// one after the other within the pool's `max_concurrent_recycles`. The
/// call returns at once; each replacement is reported as a
/// `snakepit.worker.recycled` event with reason `manual` when it is done.
struct recycle_ack {
  /// Ids of the workers scheduled for replacement, e.g. "default/w3".
  std::vector<std::string> workers;
};

/// What a manual restart (`(restart_atom)` to a pool) did. A failed pool
/// restarts all its workers at once (a fresh restart budget, the recovery
/// backoff starting over); a pool that has not failed is left as it is
/// (use a recycle to replace its workers).
struct restart_ack {
  /// True when the pool had failed and its workers are starting again;
  /// false when it had not failed and nothing was done.
  bool restarted = false;
  /// The failure the pool was in (its message); empty when none.
  std::string previous_failure;
};

/// Inspects an execute_request.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execute_request& x) {
  return f(caf::meta::type_name("execute_request"), x.pool, x.command,
           x.args_json, x.timeout, x.session_id, x.affinity, x.idempotent,
           x.binary_args);
}

/// Inspects an execute_output.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execute_output& x) {
  return f(caf::meta::type_name("execute_output"), x.result_json, x.worker,
           x.queue_us, x.run_us, x.binary_result, x.binary, x.chunks,
           x.chunk_bytes);
}

/// Inspects recycle_ack.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recycle_ack& x) {
  return f(caf::meta::type_name("recycle_ack"), x.workers);
}

/// Inspects restart_ack.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, restart_ack& x) {
  return f(caf::meta::type_name("restart_ack"), x.restarted,
           x.previous_failure);
}

} // namespace snakepit
