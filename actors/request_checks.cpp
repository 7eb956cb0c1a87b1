#include "actors/request_checks.hpp"

#include "bridge/json_values.hpp"

namespace snakepit::detail {

std::optional<failure> check_request_fields(const execute_request& req,
                                            const std::string& pool_name) {
  auto problem = check_name("command", req.command, command_rules);
  if (problem.empty())
    problem = check_name("pool", req.pool, pool_rules);
  if (problem.empty())
    problem = check_name("session_id", req.session_id, session_rules);
  if (problem.empty() && !req.pool.empty() && req.pool != pool_name)
    problem = "request names pool " + req.pool + " but was sent to pool "
              + pool_name;
  if (problem.empty())
    return std::nullopt;
  return make_failure(error_code::invalid_arguments, std::move(problem));
}

std::string command_label(const std::string& command) {
  if (check_name("command", command, command_rules).empty())
    return command;
  return "(invalid)";
}

std::variant<std::string, failure> prepare_call(const execute_request& req,
                                                const pool_config& cfg) {
  auto prepared = prepare_arguments(req.args_json, cfg.max_json_depth);
  if (auto* problem = std::get_if<std::string>(&prepared))
    return make_failure(error_code::invalid_arguments, std::move(*problem));
  auto bytes = bridge::encode_call(
    req.command, std::move(std::get<json_arguments>(prepared)),
    req.session_id);
  auto size = bytes.size() + bridge::call_id_bytes;
  if (size > cfg.request_byte_limit())
    return make_failure(
      error_code::invalid_arguments,
      "request is " + std::to_string(size) + " bytes encoded ("
        + std::to_string(req.args_json.size())
        + " bytes of arguments), more than "
        + (cfg.max_request_bytes
             ? "max_request_bytes (" + std::to_string(*cfg.max_request_bytes)
                 + ")"
             : "max_message_mb (" + std::to_string(cfg.max_message_mb)
                 + " MiB)")
        + " of pool " + cfg.name);
  return bytes;
}

} // namespace snakepit::detail
