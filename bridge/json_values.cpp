#include "bridge/json_values.hpp"

#include <cstring>

namespace snakepit::bridge {

namespace {

/// Protobuf framing of one map entry holding an Any (tags and length
/// prefixes, at most 5 bytes each), beyond its key, type URL and value.
constexpr std::size_t framing_per_argument = 32;

/// Framing of the request itself plus its call id metadata.
constexpr std::size_t framing_per_call = 128;

} // namespace

void encode_parameters(
  const json_arguments& args,
  google::protobuf::Map<std::string, google::protobuf::Any>& out) {
  for (const auto& arg : args) {
    auto& any = out[arg.name];
    any.set_type_url(json_type_url);
    any.set_value(arg.json);
  }
}

std::size_t encoded_call_size(const json_arguments& args,
                              const std::string& tool,
                              const std::string& session_id) {
  auto size = framing_per_call + tool.size() + session_id.size();
  for (const auto& arg : args)
    size += arg.name.size() + arg.json.size() + std::strlen(json_type_url)
            + framing_per_argument;
  return size;
}

} // namespace snakepit::bridge
