#include "bridge/grpc_support.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace snakepit::bridge {

grpc::ChannelArguments message_limits(std::size_t max_bytes) {
  grpc::ChannelArguments args;
  auto limit = static_cast<int>(
    std::min<std::size_t>(max_bytes, std::numeric_limits<int>::max()));
  args.SetMaxReceiveMessageSize(limit);
  args.SetMaxSendMessageSize(limit);
  return args;
}

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

} // namespace snakepit::bridge
