#pragma once

/// A tool call on the wire: an ExecuteToolRequest whose arguments are one
/// `Any` per top-level key, its `value` that value's JSON bytes
/// (Snakepit's convention). Encoded once, where it delays only its own
/// request (see actors/argument_checker.hpp); the channel then hands the
/// bytes to gRPC without copying them.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include <snakepit/requests.hpp>

#include "core/arguments.hpp"

namespace snakepit::bridge {

/// Type URL Snakepit puts on JSON values sent to Python.
inline constexpr const char* json_type_url
  = "type.googleapis.com/google.protobuf.StringValue";

/// Metadata key naming each call, echoed in WorkerInfo.active_calls.
inline constexpr const char* call_id_key = "snakepit.call_id";

/// The most bytes the call id adds to an encoded call (see `encode_call_id`).
inline constexpr std::size_t call_id_bytes = 64;

/// The serialized ExecuteToolRequest of a call of `tool` with `args`
/// (checked and split already, see `prepare_arguments`, and moved into the
/// request), the raw `binary_args` (its `binary_parameters`),
/// `session_id` and, for a streaming call, the `stream` flag, without its
/// call id.
std::string encode_call(const std::string& tool, json_arguments args,
                        const std::string& session_id,
                        const std::map<std::string, bytes>& binary_args = {},
                        bool stream = false);

/// The serialized ExecuteToolRequest holding only the call id metadata.
/// Protobuf merges concatenated messages: `encode_call(...)` followed by
/// this is the whole request.
std::string encode_call_id(uint64_t call_id);

} // namespace snakepit::bridge
