#include "bridge/channel.hpp"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <array>
#include <chrono>
#include <mutex>

#include <snakepit/config.hpp>

#include "bridge/grpc_support.hpp"
#include "bridge/grpc_stream.hpp"
#include "bridge/json_values.hpp"
#include "bridge/worker_replies.hpp"
#include "bridge.grpc.pb.h"

namespace snakepit::bridge {

namespace {

namespace pb = ::snakepit::bridge;

/// The full name of the ExecuteTool method, for the generic stub.
constexpr const char* execute_method
  = "/snakepit.bridge.BridgeService/ExecuteTool";

/// A slice that shares `bytes` (no copy) and keeps them alive until gRPC
/// has sent them.
grpc::Slice shared_slice(std::shared_ptr<const std::string> bytes) {
  auto* owner = new std::shared_ptr<const std::string>(std::move(bytes));
  return grpc::Slice(const_cast<char*>((*owner)->data()), (*owner)->size(),
                     [](void* p) {
                       delete static_cast<std::shared_ptr<const std::string>*>(
                         p);
                     },
                     owner);
}

std::chrono::system_clock::time_point deadline_in(std::chrono::milliseconds d) {
  // gRPC deadlines take system_clock time points.
  return std::chrono::system_clock::now() + d;
}

class grpc_channel final : public channel {
public:
  grpc_channel(const std::string& address, std::size_t max_message_bytes)
    : channel_(grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(),
      message_limits(max_message_bytes))),
      stub_(pb::BridgeService::NewStub(channel_)), generic_(channel_),
      stream_stub_(pb::BridgeService::NewStub(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(),
        stream_channel_arguments(max_message_bytes)))),
      streams_(std::make_shared<grpc_stream_table>()) {
  }

  /// Streams still running are cancelled: nobody could grant or cancel
  /// them any more.
  ~grpc_channel() override {
    streams_->close();
  }

  void execute(uint64_t call_id,
               std::shared_ptr<const std::string> call_bytes,
               std::chrono::milliseconds timeout,
               tool_callback done) override {
    auto call = std::make_shared<call_state<grpc::ByteBuffer,
                                            grpc::ByteBuffer>>();
    std::array<grpc::Slice, 2> slices{shared_slice(std::move(call_bytes)),
                                      grpc::Slice(encode_call_id(call_id))};
    call->req = grpc::ByteBuffer(slices.data(), slices.size());
    call->ctx.set_deadline(deadline_in(timeout));
    generic_.UnaryCall(
      &call->ctx, execute_method, grpc::StubOptions{}, &call->req,
      &call->resp,
      [call, timeout, done = std::move(done)](grpc::Status status) {
        if (!status.ok()) {
          done(tool_result{{}, from_status(status, timeout)});
          return;
        }
        pb::ExecuteToolResponse resp;
        grpc::ProtoBufferReader reader{&call->resp};
        if (!resp.ParseFromZeroCopyStream(&reader)) {
          done(tool_result{{}, make_failure(error_code::internal,
                                            "undecodable reply from the "
                                            "worker")});
          return;
        }
        done(from_execute_response(std::move(resp)));
      });
  }

  /// ExecuteStreamingTool on the streams' own channel (grpc_stream.hpp).
  void execute_stream(uint64_t call_id,
                      std::shared_ptr<const std::string> call_bytes,
                      std::chrono::milliseconds idle_timeout, uint32_t window,
                      chunk_callback on_chunk, tool_callback done) override {
    streams_->start(*stream_stub_, call_id, *call_bytes, idle_timeout,
                    window, std::move(on_chunk), std::move(done));
  }

  void grant(uint64_t call_id, uint32_t chunks) override {
    streams_->grant(call_id, chunks);
  }

  void cancel_stream(uint64_t call_id) override {
    streams_->cancel(call_id);
  }

  void ping(std::chrono::milliseconds timeout, ping_callback done) override {
    auto call
      = std::make_shared<call_state<pb::PingRequest, pb::PingResponse>>();
    call->req.set_message("ping");
    call->ctx.set_deadline(deadline_in(timeout));
    stub_->async()->Ping(&call->ctx, &call->req, &call->resp,
                         [call, done = std::move(done)](grpc::Status status) {
                           done(status.ok() ? std::string{}
                                            : status.error_message());
                         });
  }

  void describe(std::chrono::milliseconds timeout,
                describe_callback done) override {
    auto call = std::make_shared<
      call_state<pb::DescribeWorkerRequest, pb::WorkerInfo>>();
    call->ctx.set_deadline(deadline_in(timeout));
    stub_->async()->DescribeWorker(
      &call->ctx, &call->req, &call->resp,
      [call, done = std::move(done)](grpc::Status status) {
        if (status.ok()) {
          done(from_worker_info(call->resp));
          return;
        }
        worker_activity out;
        out.error = status.error_message();
        done(std::move(out));
      });
  }

  void close_session(const std::string& id, std::chrono::milliseconds timeout,
                     session_callback done) override {
    auto call = std::make_shared<
      call_state<pb::CleanupSessionRequest, pb::CleanupSessionResponse>>();
    call->req.set_session_id(id);
    call->ctx.set_deadline(deadline_in(timeout));
    stub_->async()->CleanupSession(
      &call->ctx, &call->req, &call->resp,
      [call, done = std::move(done)](grpc::Status status) {
        session_result out;
        if (status.ok())
          out.has_state = call->resp.success();
        else
          out.error = make_failure(error_code::internal,
                                   "CleanupSession failed: "
                                     + status.error_message());
        done(std::move(out));
      });
  }

  /// Sessions move on the native transport only: `done` fails at once.
  void snapshot_session(const std::string&, std::chrono::milliseconds,
                        session_callback done) override {
    done(no_session_moves());
  }

  /// Sessions move on the native transport only: `done` fails at once.
  void restore_session(const std::string&, const session_result&,
                       std::chrono::milliseconds,
                       session_callback done) override {
    done(no_session_moves());
  }

private:
  static session_result no_session_moves() {
    session_result out;
    out.error = make_failure(error_code::internal,
                             "sessions move between workers on the native "
                             "transport only; this worker serves gRPC");
    return out;
  }

  /// Objects of one call, kept alive until its callback has run. It holds
  /// no reference to the channel: the callback runs on a gRPC thread, and
  /// releasing the last reference to a channel there makes gRPC 1.51 tear
  /// down its callback queue from inside that queue's own thread (abort).
  /// gRPC keeps what a call in flight needs by itself.
  template <class Request, class Response>
  struct call_state {
    grpc::ClientContext ctx;
    Request req;
    Response resp;
  };

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::BridgeService::Stub> stub_;
  /// ExecuteTool goes through it: its request is encoded already.
  grpc::GenericStub generic_;
  /// Streams run on a channel (and connection) of their own, whose HTTP/2
  /// windows stay small (`stream_channel_arguments`); unary calls keep
  /// gRPC's defaults.
  std::unique_ptr<pb::BridgeService::Stub> stream_stub_;
  std::shared_ptr<grpc_stream_table> streams_;
};

} // namespace

std::shared_ptr<void> make_grpc_guard() {
  // A channel holds a reference to the callback queue from its first
  // callback call on: make one (it fails at once, nothing listens there).
  auto guard = std::make_shared<grpc_channel>(
    "unix:/nonexistent/snakepit-grpc-guard", mib_bytes);
  guard->ping(std::chrono::milliseconds{1}, [](const std::string&) {});
  return guard;
}

namespace {

/// Keeps gRPC's process-wide callback completion queue alive for the life
/// of the process. Where gRPC's core has no background poller (Debian's
/// gRPC 1.51 here), the C++ callback API runs every channel's callbacks on
/// one shared queue with threads of its own, counted by the channels that
/// use it. A call's ClientContext holds its channel, so a worker's channel
/// dropped by the host while a call is in flight is destroyed in that
/// call's callback, on one of those threads. If it was the queue's last
/// user, gRPC shuts the queue down and frees it from that very thread,
/// which then reads the freed queue: a double free (an abort when a host
/// stops with a call just dispatched, caught by lifecycle_test under ASan).
/// A channel that used the queue once and is never destroyed keeps the
/// count above zero, so a channel's last reference is always harmless.
void pin_callback_queue() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Never destroyed, and never connected: the one call's deadline has
    // passed before it starts; its callback frees only the call's state.
    static auto* keeper = new std::shared_ptr<grpc::Channel>(
      grpc::CreateChannel("unix:/nonexistent",
                          grpc::InsecureChannelCredentials()));
    auto stub = pb::BridgeService::NewStub(*keeper);
    struct ping_call {
      grpc::ClientContext ctx;
      pb::PingRequest req;
      pb::PingResponse resp;
    };
    auto* call = new ping_call;
    call->ctx.set_deadline(std::chrono::system_clock::now());
    stub->async()->Ping(&call->ctx, &call->req, &call->resp,
                        [call](grpc::Status) { delete call; });
  });
}

} // namespace

std::shared_ptr<channel> make_grpc_channel(const std::string& address,
                                           std::size_t max_message_bytes) {
  pin_callback_queue();
  return std::make_shared<grpc_channel>(address, max_message_bytes);
}

} // namespace snakepit::bridge
