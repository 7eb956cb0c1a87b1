#pragma once

/// The host's view of one Python worker: its calls, pings and probes. An
/// interface with two real implementations, gRPC (`make_grpc_channel`) and
/// the native transport (bridge/native_channel.hpp); actor tests substitute
/// a fake.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <snakepit/failure.hpp>

namespace snakepit::bridge {

/// Outcome of one tool call.
struct tool_result {
  /// JSON text of the result (`null` when `binary`); empty on failure.
  std::string result_json;
  /// `code == error_code::none` on success.
  failure error;
  /// Time the tool ran inside Python, microseconds (0 if unknown).
  int64_t python_us = 0;
  /// The bytes the tool returned, when `binary`.
  std::string binary_result{};
  /// True when the tool returned bytes instead of a JSON value.
  bool binary = false;
};

/// Completion of a tool call. Runs on a gRPC thread: it must not block and
/// must not touch actor state (send a message instead).
using tool_callback = std::function<void(tool_result)>;

/// One chunk of a stream, in order, on another thread: the JSON text of a
/// value the tool's generator yielded, or its raw bytes when `binary`. Must
/// not block and must not touch actor state.
using chunk_callback = std::function<void(std::string data, bool binary)>;

/// Completion of a ping: empty string on success, else the error.
using ping_callback = std::function<void(std::string)>;

/// What a worker is doing right now (from DescribeWorker).
struct worker_activity {
  /// Empty on success, else why the probe failed.
  std::string error;
  /// Tool calls running now.
  int busy_slots = 0;
  /// Ids of the calls running now (as passed to `execute`).
  std::vector<uint64_t> active_calls;
};

/// Completion of a describe probe.
using describe_callback = std::function<void(worker_activity)>;

/// Outcome of a session operation (close, snapshot, restore).
struct session_result {
  /// `code == error_code::none` on success.
  failure error;
  /// Close: the worker held state for the session. Snapshot: it has a
  /// state (else the session was never used there).
  bool has_state = false;
  /// Snapshot: `state` is raw bytes, not JSON text.
  bool binary = false;
  /// Snapshot: the state, as the adapter's `snapshot_session` gave it.
  std::string state;
};

/// Completion of a session operation; same rules as `tool_callback`.
using session_callback = std::function<void(session_result)>;

/// The host's answer to a host call: a JSON text or raw bytes, or a
/// failure whose category (`to_string(code)`) and message reach Python.
struct host_call_answer {
  failure error;
  std::string value;
  bool binary = false;
};

/// A host call a worker's tool made (native transport only).
struct host_call_frame {
  std::string tool;
  /// The arguments as the worker sent them (a JSON object, unchecked).
  std::string args_json;
  std::map<std::string, std::string> binary_args;
  /// Time left until the deadline of the tool call that makes it, when
  /// the connection answers `request_timeout` itself.
  std::chrono::milliseconds time_left{0};
  /// Answers the call; any thread. The first answer counts: later ones,
  /// and those after the deadline or the connection's end, are dropped.
  std::function<void(host_call_answer)> answer;
};

/// Takes each host call, on the I/O thread: must not block.
using host_call_callback = std::function<void(host_call_frame)>;

/// A host tool as a worker's `context.host_tools` lists it.
struct host_tool_listing {
  std::string name;
  std::string description;
};

/// What a host offers its workers' tools: a handler for their calls and
/// the list they see. Without a handler, host calls fail `unsupported`.
struct host_tool_service {
  host_call_callback on_call;
  std::vector<host_tool_listing> tools;
};

/// Called at most once, on another thread, when a channel's connection
/// breaks for good (the peer closed it, or sent a frame that breaks the
/// protocol); the text says why. Must not block.
using broken_callback = std::function<void(std::string)>;

/// What a channel to a ready worker is made from.
struct endpoint {
  /// The address the worker's ready file names: "unix:/abs/path.sock"
  /// (gRPC) or "native:/abs/path.sock" (the native transport).
  std::string address;
  /// The largest message either way (the pool's `max_message_mb`).
  std::size_t max_message_bytes = 0;
  /// Told when the connection breaks (see `broken_callback`).
  broken_callback on_broken;
  /// The host tools the worker's tools may call (native transport).
  host_tool_service host_tools{};
};

/// A connection to one worker. Calls never block the caller.
class channel {
public:
  virtual ~channel() = default;

  /// Runs the call `call_bytes` (an ExecuteToolRequest encoded by
  /// `encode_call`, bridge/json_values.hpp), tagged with `call_id` so that
  /// `describe` can tell whether it still runs. The bytes are shared with
  /// gRPC, not copied. `done` runs exactly once, on another thread.
  virtual void execute(uint64_t call_id,
                       std::shared_ptr<const std::string> call_bytes,
                       std::chrono::milliseconds timeout,
                       tool_callback done) = 0;

  /// Runs the streaming call `call_bytes` (encoded with its `stream` flag
  /// set): `on_chunk` runs for each chunk, in order, then `done` exactly
  /// once (success without a value when the generator ended, else the
  /// failure that ended the stream), all on one other thread. The worker
  /// sends at most `window` chunks ahead of `grant`s. `idle_timeout`
  /// bounds the wait for the next chunk (or the end) while the worker has
  /// credit; a stream the host holds back (no credit left) never times
  /// out. A channel that cannot stream completes `done` with a failure.
  virtual void execute_stream(uint64_t call_id,
                              std::shared_ptr<const std::string> call_bytes,
                              std::chrono::milliseconds idle_timeout,
                              uint32_t window, chunk_callback on_chunk,
                              tool_callback done)
    = 0;
  /// Lets stream `call_id` send `chunks` more chunks; ignored when the
  /// stream has ended.
  virtual void grant(uint64_t call_id, uint32_t chunks) = 0;
  /// Ends stream `call_id` early: the worker closes its generator (the
  /// tool's cleanup runs) and frees its slot. Neither callback of the
  /// stream runs after this returns, except a chunk already being
  /// delivered. Ignored when the stream has ended.
  virtual void cancel_stream(uint64_t call_id) = 0;
  /// Liveness probe with a deadline; `done` runs exactly once.
  virtual void ping(std::chrono::milliseconds timeout, ping_callback done) = 0;

  /// Asks which calls run now; `done` runs exactly once.
  virtual void describe(std::chrono::milliseconds timeout,
                        describe_callback done) = 0;

  /// Ends session `id` in the worker (its adapter's `close_session` runs);
  /// `done` runs exactly once, `has_state` telling whether it held state.
  virtual void close_session(const std::string& id,
                             std::chrono::milliseconds timeout,
                             session_callback done) = 0;

  /// Takes the state of session `id` (its adapter's `snapshot_session`),
  /// to move it; `done` runs exactly once. A channel that cannot move
  /// sessions completes it with a failure.
  virtual void snapshot_session(const std::string& id,
                                std::chrono::milliseconds timeout,
                                session_callback done) = 0;

  /// Gives the worker the state `state` (a snapshot's result) of session
  /// `id` (its adapter's `restore_session`); `done` runs exactly once.
  virtual void restore_session(const std::string& id,
                               const session_result& state,
                               std::chrono::milliseconds timeout,
                               session_callback done) = 0;
};

/// Keeps gRPC's process-wide client machinery (the callback queue and its
/// thread) alive while it is held, so that it is not torn down and rebuilt
/// each time the last worker channel goes away. The runtime holds one.
std::shared_ptr<void> make_grpc_guard();

/// Connects over gRPC to a worker at `address` ("unix:/abs/path.sock"),
/// taking messages of up to `max_message_bytes` either way. Connection is
/// lazy: nothing blocks here.
std::shared_ptr<channel> make_grpc_channel(const std::string& address,
                                           std::size_t max_message_bytes);

} // namespace snakepit::bridge
