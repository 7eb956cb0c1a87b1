#include "bridge/channel.hpp"

#include <grpcpp/grpcpp.h>

#include "bridge/json_values.hpp"
#include "bridge/worker_replies.hpp"
#include "bridge.grpc.pb.h"

namespace snakepit::bridge {

namespace {

namespace pb = ::snakepit::bridge;

/// Metadata key naming each call, echoed in WorkerInfo.active_calls.
constexpr const char* call_id_key = "snakepit.call_id";

std::chrono::system_clock::time_point deadline_in(std::chrono::milliseconds d) {
  // gRPC deadlines take system_clock time points.
  return std::chrono::system_clock::now() + d;
}

/// Maps a transport-level failure of a call to a failure value.
failure from_status(const grpc::Status& status,
                    std::chrono::milliseconds timeout) {
  switch (status.error_code()) {
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return make_failure(error_code::request_timeout,
                          "no reply within "
                            + std::to_string(timeout.count()) + " ms");
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::CANCELLED:
      return make_failure(error_code::worker_crashed,
                          "worker connection lost: " + status.error_message());
    default:
      return make_failure(error_code::internal,
                          "gRPC error " + std::to_string(status.error_code())
                            + ": " + status.error_message());
  }
}

class grpc_channel final : public channel {
public:
  explicit grpc_channel(const std::string& address)
    : channel_(grpc::CreateChannel(address,
                                   grpc::InsecureChannelCredentials())),
      stub_(pb::BridgeService::NewStub(channel_)) {
  }

  void execute(uint64_t call_id, const std::string& tool,
               const std::string& args_json, const std::string& session_id,
               std::chrono::milliseconds timeout,
               tool_callback done) override {
    auto call = std::make_shared<call_state<pb::ExecuteToolRequest,
                                            pb::ExecuteToolResponse>>();
    call->req.set_tool_name(tool);
    call->req.set_session_id(session_id);
    (*call->req.mutable_metadata())[call_id_key] = std::to_string(call_id);
    if (auto err = encode_parameters(args_json, *call->req.mutable_parameters());
        !err.empty()) {
      done(tool_result{{}, make_failure(error_code::invalid_arguments, err)});
      return;
    }
    call->ctx.set_deadline(deadline_in(timeout));
    stub_->async()->ExecuteTool(
      &call->ctx, &call->req, &call->resp,
      [call, timeout, done = std::move(done)](grpc::Status status) {
        if (status.ok())
          done(from_execute_response(call->resp));
        else
          done(tool_result{{}, from_status(status, timeout)});
      });
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

private:
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
};

} // namespace

std::shared_ptr<void> make_grpc_guard() {
  // A channel holds a reference to the callback queue from its first
  // callback call on: make one (it fails at once, nothing listens there).
  auto guard = std::make_shared<grpc_channel>(
    "unix:/nonexistent/snakepit-grpc-guard");
  guard->ping(std::chrono::milliseconds{1}, [](const std::string&) {});
  return guard;
}

std::shared_ptr<channel> make_grpc_channel(const std::string& address) {
  return std::make_shared<grpc_channel>(address);
}

} // namespace snakepit::bridge
