#pragma once

/// Messages between a pool, its workers and the worker's process and gRPC
/// callbacks. Internal to the library, but plain and inspectable.

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <snakepit/requests.hpp>
#include <snakepit/snapshots.hpp>

namespace snakepit {

/// A worker tells its pool it is ready to serve.
struct worker_ready {
  uint64_t key = 0;
  std::string id;
  /// The supervisor child it fills (see worker_spec::slot).
  std::string slot;
  caf::actor worker;
  worker_info info;
  /// From asking for the process to the ready handshake, microseconds.
  int64_t startup_us = 0;
};

/// A pool hands a request to a worker.
struct dispatch {
  uint64_t call_id = 0;
  execute_request request;
  /// The request as the wire carries it, checked and encoded (see
  /// bridge/json_values.hpp); shared, never copied, by the pool, the
  /// worker and gRPC.
  std::shared_ptr<const std::string> call_bytes;
  /// For a stream: where its chunks go (the caller), else null.
  caf::actor stream_to;
  /// For a stream: its id in the chunks.
  uint64_t stream_id = 0;
};

/// The pool lets stream `call_id` on a worker send `chunks` more chunks
/// (its caller acknowledged them).
struct stream_grant {
  uint64_t call_id = 0;
  uint32_t chunks = 0;
};

/// The pool cancels stream `call_id` on a worker (its caller gave up).
struct stream_cancel {
  uint64_t call_id = 0;
};

/// What a pool asks of a worker about one session.
enum class session_op_kind : uint8_t {
  /// End it (the adapter's `close_session`).
  close,
  /// Take its state, to move it.
  snapshot,
  /// Give it the state in `state`.
  restore,
};

/// The pool asks a worker to close, snapshot or restore a session; the
/// worker answers with `session_op_done` carrying the same `op_id`.
struct session_op {
  uint64_t op_id = 0;
  session_op_kind kind = session_op_kind::close;
  std::string session_id;
  /// For a restore: whether there is a state, whether it is raw bytes,
  /// and the state (JSON text or bytes).
  bool has_state = false;
  bool binary = false;
  std::string state;
};

/// A worker's answer to `session_op` `op_id`: success (`error.code` none)
/// with, for a close, whether the worker held state, and for a snapshot,
/// the state (`has_state`, `binary`, `state`).
struct session_op_done {
  uint64_t op_id = 0;
  failure error;
  bool has_state = false;
  bool binary = false;
  std::string state;
};

/// A worker's gRPC callback reports the end of a call to the pool.
struct call_done {
  uint64_t call_id = 0;
  uint64_t worker_key = 0;
  std::string result_json;
  failure error;
  /// The bytes a tool returned, when `binary`.
  bytes binary_result{};
  /// True when the tool returned bytes instead of a JSON value.
  bool binary = false;
  /// For a stream: the chunks passed to its caller and their bytes.
  uint64_t chunks = 0;
  uint64_t chunk_bytes = 0;
};

/// The pool tells a worker that a call's caller got `request_timeout` while
/// the call may still run in Python: its slot stays busy until the worker
/// reports `abandoned_call_ended`, or the worker is killed after
/// `hung_call_grace`.
struct call_abandoned {
  uint64_t call_id = 0;
};

/// A worker tells its pool that an abandoned call has left Python, so its
/// slot is free again.
struct abandoned_call_ended {
  uint64_t worker_key = 0;
  uint64_t call_id = 0;
};

/// The answer of a DescribeWorker probe (from a gRPC thread to the worker).
struct activity_probe {
  std::string error;
  std::vector<uint64_t> active_calls;
};

/// The answer to a health-check ping (from a gRPC thread to the worker):
/// empty on success, else why it failed.
struct ping_result {
  std::string error;
};

/// A worker tells its pool it missed a health check (for the inspector's
/// counts; the event goes to telemetry directly).
struct health_check_missed {
  uint64_t key = 0;
};

/// A worker tells its pool why it is going away, before it quits, so that
/// requests in flight on it fail with the worker's own account.
struct worker_exited {
  uint64_t key = 0;
  failure reason;
  /// Why a ready worker goes: "crashed", "unhealthy" or "timeout" (a hung
  /// call); empty for a worker that never became ready.
  std::string cause;
};

/// The process of a worker has started (from the launcher thread).
struct process_started {
  uint64_t process = 0;
  int pid = 0;
};

/// The process of a worker could not be started.
struct process_spawn_failed {
  std::string error;
};

/// The connection to a ready worker's process broke for good (its channel
/// said why). Usually the process is dying, and its exit (code, output)
/// says more: the worker waits for it a moment (`waited` false: the
/// channel's report; true: the same, once the wait is over), then gives up
/// on a process that still runs and stops it.
struct connection_broken {
  std::string reason;
  bool waited = false;
};

/// The process of a worker has exited and been reaped.
struct process_exited {
  uint64_t process = 0;
  int exit_code = -1;
  int signal = 0;
  std::string description;
  std::string output_tail;
};

/// Inspects worker_ready.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_ready& x) {
  return f(caf::meta::type_name("worker_ready"), x.key, x.id, x.slot, x.worker,
           x.info, x.startup_us);
}

/// Inspects dispatch. Its encoded call travels by pointer inside one
/// process and is left out.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dispatch& x) {
  return f(caf::meta::type_name("dispatch"), x.call_id, x.request,
           x.stream_to, x.stream_id);
}

/// Inspects stream_grant.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_grant& x) {
  return f(caf::meta::type_name("stream_grant"), x.call_id, x.chunks);
}

/// Inspects stream_cancel.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_cancel& x) {
  return f(caf::meta::type_name("stream_cancel"), x.call_id);
}

/// Inspects session_op.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_op& x) {
  return f(caf::meta::type_name("session_op"), x.op_id, x.kind,
           x.session_id, x.has_state, x.binary, x.state);
}

/// Inspects session_op_done.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_op_done& x) {
  return f(caf::meta::type_name("session_op_done"), x.op_id, x.error,
           x.has_state, x.binary, x.state);
}

/// Inspects call_done.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_done& x) {
  return f(caf::meta::type_name("call_done"), x.call_id, x.worker_key,
           x.result_json, x.error, x.binary_result, x.binary, x.chunks,
           x.chunk_bytes);
}

/// Inspects call_abandoned.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_abandoned& x) {
  return f(caf::meta::type_name("call_abandoned"), x.call_id);
}

/// Inspects abandoned_call_ended.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        abandoned_call_ended& x) {
  return f(caf::meta::type_name("abandoned_call_ended"), x.worker_key,
           x.call_id);
}

/// Inspects activity_probe.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, activity_probe& x) {
  return f(caf::meta::type_name("activity_probe"), x.error, x.active_calls);
}

/// Inspects ping_result.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ping_result& x) {
  return f(caf::meta::type_name("ping_result"), x.error);
}

/// Inspects health_check_missed.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_check_missed& x) {
  return f(caf::meta::type_name("health_check_missed"), x.key);
}

/// Inspects worker_exited.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_exited& x) {
  return f(caf::meta::type_name("worker_exited"), x.key, x.reason, x.cause);
}

/// Inspects process_started.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, process_started& x) {
  return f(caf::meta::type_name("process_started"), x.process, x.pid);
}

/// Inspects process_spawn_failed.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        process_spawn_failed& x) {
  return f(caf::meta::type_name("process_spawn_failed"), x.error);
}

/// Inspects connection_broken.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connection_broken& x) {
  return f(caf::meta::type_name("connection_broken"), x.reason, x.waited);
}

/// Inspects process_exited.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, process_exited& x) {
  return f(caf::meta::type_name("process_exited"), x.process, x.exit_code,
           x.signal, x.description, x.output_tail);
}

} // namespace snakepit
