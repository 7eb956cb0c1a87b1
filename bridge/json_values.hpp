#pragma once

/// The arguments on the wire: one `Any` per top-level key, whose `value`
/// holds that value's JSON bytes (Snakepit's convention).

#include <google/protobuf/any.pb.h>
#include <google/protobuf/map.h>

#include <cstddef>
#include <string>

#include "core/arguments.hpp"

namespace snakepit::bridge {

/// Type URL Snakepit puts on JSON values sent to Python.
inline constexpr const char* json_type_url
  = "type.googleapis.com/google.protobuf.StringValue";

/// Fills `out` with one `Any` per argument (checked and split already, see
/// `prepare_arguments`): a copy of its bytes, nothing parsed.
void encode_parameters(
  const json_arguments& args,
  google::protobuf::Map<std::string, google::protobuf::Any>& out);

/// An upper bound of the encoded size of a tool call with `args`, `tool`
/// and `session_id`, in bytes: what gRPC's message size limits count.
std::size_t encoded_call_size(const json_arguments& args,
                              const std::string& tool,
                              const std::string& session_id);

} // namespace snakepit::bridge
