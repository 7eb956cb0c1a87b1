#include "bridge/json_values.hpp"

#include <nlohmann/json.hpp>

namespace snakepit::bridge {

namespace {

/// Parses `args_json` into `out`; returns an error text or empty.
std::string parse_object(const std::string& args_json, nlohmann::json& out) {
  if (args_json.empty()) {
    out = nlohmann::json::object();
    return {};
  }
  out = nlohmann::json::parse(args_json, nullptr, false);
  if (out.is_discarded())
    return "arguments are not valid JSON: " + args_json;
  if (!out.is_object())
    return "arguments must be a JSON object (e.g. {\"a\": 1}), got "
           + std::string{out.type_name()};
  return {};
}

} // namespace

std::string validate_arguments(const std::string& args_json) {
  nlohmann::json parsed;
  return parse_object(args_json, parsed);
}

std::string
encode_parameters(const std::string& args_json,
                  google::protobuf::Map<std::string, google::protobuf::Any>& out) {
  nlohmann::json parsed;
  if (auto err = parse_object(args_json, parsed); !err.empty())
    return err;
  for (const auto& [key, value] : parsed.items()) {
    auto& any = out[key];
    any.set_type_url(json_type_url);
    any.set_value(value.dump());
  }
  return {};
}

} // namespace snakepit::bridge
