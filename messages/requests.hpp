#pragma once

/// Request and reply types of a pool, with their `inspect` overloads.

#include <caf/meta/type_name.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace snakepit {

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
  /// Optional session id, handed to the adapter in its context.
  std::string session_id;
  /// Safe to run twice: if the worker running it crashes (`worker_crashed`;
  /// not a Python error, not a timeout), the pool runs it once more, on
  /// another worker when one is free, else on the next one that frees up
  /// (perhaps the crashed one's replacement). Otherwise such a request
  /// gets `worker_crashed`.
  bool idempotent = false;
};

/// The one reply every request gets: a JSON result or a failure.
struct execute_reply {
  /// JSON text of the result; empty on failure.
  std::string result_json;
  /// `error.code == error_code::none` on success.
  failure error;
  /// The worker that served the request ("default/w2"), empty if none did.
  std::string worker;
  /// Time spent waiting in the pool's queue, microseconds.
  int64_t queue_us = 0;
  /// Time from dispatch to a worker until its reply, microseconds.
  int64_t run_us = 0;

  /// True when the request succeeded.
  bool ok() const {
    return error.code == error_code::none;
  }
};

/// Inspects a failure.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, failure& x) {
  return f(caf::meta::type_name("failure"), x.code, x.message, x.python_type,
           x.traceback);
}

/// Inspects an execute_request.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execute_request& x) {
  return f(caf::meta::type_name("execute_request"), x.pool, x.command,
           x.args_json, x.timeout, x.session_id, x.idempotent);
}

/// Inspects an execute_reply.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execute_reply& x) {
  return f(caf::meta::type_name("execute_reply"), x.result_json, x.error,
           x.worker, x.queue_us, x.run_us);
}

} // namespace snakepit
