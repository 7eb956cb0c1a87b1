#pragma once

/// Errors as values: every fallible call answers a `result<T>`
/// (<snakepit/result.hpp>), a value or a `failure` carrying one of these
/// categories, a message and, when the error came from Python, the
/// exception type and traceback.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace snakepit {

/// Category of a failed request. Stable: the names (see `to_string`) appear
/// in the CLI output, in logs and in docs/errors.md.
enum class error_code : uint8_t {
  none = 0,
  /// The pool's queue is full; the request was refused at once.
  pool_saturated,
  /// The request waited in the queue longer than its queue timeout.
  queue_timeout,
  /// A worker took the request but did not answer within its deadline.
  request_timeout,
  /// The worker process died while the request was in flight.
  worker_crashed,
  /// The Python tool raised; message, type and traceback are set.
  python_error,
  /// No pool has the requested name.
  pool_not_found,
  /// The adapter has no tool of that name.
  unknown_command,
  /// The arguments were not a JSON object or did not fit the tool.
  invalid_arguments,
  /// The pool could not start its workers (bad interpreter, adapter import
  /// error, restart budget spent); carries the worker's own error.
  pool_failed,
  /// The host is shutting down and no longer takes requests.
  shutting_down,
  /// An unexpected failure inside the host itself (a bug, or a system
  /// resource failure such as a failed fork).
  internal,
  /// The caller cancelled the stream (or quit) before it ended.
  cancelled,
  /// The request's session was lost with its worker (crashed, recycled
  /// without a snapshot hook, or its move failed); the session answers
  /// so until it is closed or expires (docs/sessions.md).
  session_lost,
  /// The session's worker is busy and the request's affinity is
  /// `strict_fail_fast`.
  session_busy,
  /// The host serving a remote pool is not connected, or went away while
  /// the call was in flight: the call may or may not have run there
  /// (docs/distribution.md).
  node_down,
};

/// Stable lower-case name of `code`, e.g. "pool_saturated".
std::string to_string(error_code code);

/// Inverse of `to_string`; nullopt for an unknown name.
std::optional<error_code> error_code_from_string(std::string_view name);

/// A failed request: what went wrong, in words a user can act on.
struct failure {
  error_code code = error_code::none;
  std::string message;
  /// Python exception type ("ValueError") when the failure came from Python.
  std::string python_type;
  /// Python traceback, or the last lines of a dead worker's output.
  std::string traceback;
  /// For a pool's reply to a request: the worker that had the call
  /// ("default/w2") when one did (Python error, timeout, crash); empty
  /// otherwise.
  std::string worker;
  /// For a pool's reply to a request: time spent in the pool's queue
  /// (e.g. the whole wait of a `queue_timeout`), microseconds; else 0.
  int64_t queue_us = 0;
  /// For a pool's reply to a request: time from dispatch to a worker until
  /// the failure, microseconds; 0 when no worker had it.
  int64_t run_us = 0;
};

/// Builds a failure without Python details.
inline failure make_failure(error_code code, std::string message) {
  return failure{code, std::move(message), {}, {}, {}, 0, 0};
}

/// One-paragraph human rendering: "category: message" followed by the
/// Python type and traceback when present.
std::string describe(const failure& f);

} // namespace snakepit
