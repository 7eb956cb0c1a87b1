#pragma once

/// What the gRPC channel (grpc_channel.cpp) and its streams
/// (grpc_stream.cpp) share: channel arguments, and what a call's status
/// means to the host.

#include <chrono>
#include <cstddef>

#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/status.h>

#include <snakepit/failure.hpp>

namespace snakepit::bridge {

/// Channel arguments taking messages of up to `max_bytes` either way
/// (gRPC's own default takes 4 MiB in).
grpc::ChannelArguments message_limits(std::size_t max_bytes);

/// Maps a transport-level failure of a call to a failure value: its
/// deadline (`timeout`) as `request_timeout`, a lost or cancelled
/// connection as `worker_crashed`, anything else as `internal`.
failure from_status(const grpc::Status& status,
                    std::chrono::milliseconds timeout);

} // namespace snakepit::bridge
