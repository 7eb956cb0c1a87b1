#include "bridge/json_values.hpp"

#include "bridge.pb.h"

namespace snakepit::bridge {

std::string encode_call(const std::string& tool, json_arguments args,
                        const std::string& session_id,
                        const std::map<std::string, bytes>& binary_args,
                        bool stream) {
  ExecuteToolRequest req;
  req.set_tool_name(tool);
  req.set_stream(stream);
  req.set_session_id(session_id);
  auto& params = *req.mutable_parameters();
  for (auto& arg : args) {
    auto& any = params[arg.name];
    any.set_type_url(json_type_url);
    any.set_value(std::move(arg.json));
  }
  auto& binary = *req.mutable_binary_parameters();
  for (const auto& [name, data] : binary_args)
    binary[name] = std::string{as_chars(data)};
  return req.SerializeAsString();
}

std::string encode_call_id(uint64_t call_id) {
  ExecuteToolRequest req;
  (*req.mutable_metadata())[call_id_key] = std::to_string(call_id);
  return req.SerializeAsString();
}

} // namespace snakepit::bridge
