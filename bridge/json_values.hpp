#pragma once

/// Conversion of JSON arguments into the wire format: one `Any` per
/// top-level key, whose `value` holds that value's JSON bytes (Snakepit's
/// convention).

#include <google/protobuf/any.pb.h>
#include <google/protobuf/map.h>

#include <string>

namespace snakepit::bridge {

/// Type URL Snakepit puts on JSON values sent to Python.
inline constexpr const char* json_type_url
  = "type.googleapis.com/google.protobuf.StringValue";

/// Fills `out` from `args_json`, which must be a JSON object (or empty, for
/// no arguments). Returns an empty string on success, else what is wrong.
std::string
encode_parameters(const std::string& args_json,
                  google::protobuf::Map<std::string, google::protobuf::Any>& out);

/// Checks that `args_json` is a JSON object (or empty). Returns an empty
/// string when it is, else what is wrong, for a clear `invalid_arguments`.
std::string validate_arguments(const std::string& args_json);

} // namespace snakepit::bridge
