#pragma once

/// Streaming calls over gRPC (ExecuteStreamingTool) with the semantics of
/// `channel::execute_stream`, `grant` and `cancel_stream`
/// (bridge/channel.hpp), on gRPC's callback API. Private to the gRPC
/// channel (grpc_channel.cpp).
///
/// Backpressure: a stream delivers a chunk only against credit, and reads
/// at most one message ahead (so that the end arrives while the host holds
/// the stream back). Unread chunks stay in gRPC, whose HTTP/2 flow control
/// holds the worker: the worker's writes stop once the stream's window
/// (64 KiB, on a channel without BDP probing, see
/// `stream_channel_arguments`) is full, and its generator waits at its
/// `yield`.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <grpcpp/support/channel_arguments.h>

#include "bridge/channel.hpp"
#include "bridge.grpc.pb.h"

namespace snakepit::bridge {

class grpc_stream;

/// The arguments of the channel streams run on: messages of up to
/// `max_bytes` either way, and no BDP probing. gRPC's bandwidth-delay
/// estimator would grow each stream's HTTP/2 window to megabytes on a fast
/// socket, letting a worker run that far ahead of a host that holds its
/// stream back; without it the window stays at 64 KiB.
grpc::ChannelArguments stream_channel_arguments(std::size_t max_bytes);

/// The streams of one channel in flight, by call id: where `grant` and
/// `cancel` find them. Shared: each stream refers to it weakly, to leave
/// it when it ends.
class grpc_stream_table
  : public std::enable_shared_from_this<grpc_stream_table> {
public:
  /// Starts stream `call_id` on `stub` (see `channel::execute_stream`).
  /// `done` fails at once, on this thread, for an id already in flight, a
  /// closed table, or call bytes that do not decode.
  void start(BridgeService::Stub& stub, uint64_t call_id,
             const std::string& call_bytes,
             std::chrono::milliseconds idle_timeout, uint32_t window,
             chunk_callback on_chunk, tool_callback done);

  /// Lets stream `call_id` have `chunks` more; ignored when it has ended.
  void grant(uint64_t call_id, uint32_t chunks);

  /// Cancels stream `call_id`: no callback of it runs after this returns,
  /// except a chunk being delivered. Ignored when it has ended.
  void cancel(uint64_t call_id);

  /// Cancels every stream (as `cancel`) and refuses new ones: the channel
  /// goes, so nobody could grant or cancel them any more.
  void close();

private:
  friend class grpc_stream;

  std::shared_ptr<grpc_stream> find(uint64_t call_id);

  /// Forgets stream `call_id` if it is still `stream` (its end).
  void erase(uint64_t call_id, const grpc_stream* stream);

  std::mutex mutex_;
  std::unordered_map<uint64_t, std::shared_ptr<grpc_stream>> streams_;
  bool closed_ = false;
};

} // namespace snakepit::bridge
