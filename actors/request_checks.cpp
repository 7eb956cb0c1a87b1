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
  if (problem.empty() && req.affinity > affinity_mode::strict_fail_fast)
    problem = "affinity " + std::to_string(static_cast<int>(req.affinity))
              + " is no affinity_mode";
  if (problem.empty() && !req.pool.empty() && req.pool != pool_name)
    problem = "request names pool " + req.pool + " but was sent to pool "
              + pool_name;
  if (problem.empty())
    return std::nullopt;
  return make_failure(error_code::invalid_arguments, std::move(problem));
}

std::size_t binary_arg_bytes(const execute_request& req) {
  std::size_t total = 0;
  for (const auto& arg : req.binary_args)
    total += arg.second.size();
  return total;
}

namespace {

/// What is wrong with the names of the binary arguments of `req`, given
/// its JSON ones; empty when nothing is.
std::string check_binary_names(const execute_request& req,
                               const json_arguments& json_args) {
  for (const auto& arg : req.binary_args) {
    auto problem = check_name("binary argument name", arg.first,
                              binary_arg_rules);
    if (!problem.empty())
      return problem;
    for (const auto& json_arg : json_args)
      if (json_arg.name == arg.first)
        return "argument \"" + arg.first
               + "\" is given both in args_json and in binary_args";
  }
  return {};
}

/// The failure of a request of `req` that is `size` bytes encoded (or at
/// least, if `lower_bound`), more than the limit of `cfg`.
failure too_large(const execute_request& req, std::size_t size,
                  bool lower_bound, const pool_config& cfg) {
  return make_failure(
    error_code::invalid_arguments,
    "request is " + std::string{lower_bound ? "at least " : ""}
      + std::to_string(size) + " bytes encoded ("
      + std::to_string(req.args_json.size()) + " bytes of JSON arguments, "
      + std::to_string(binary_arg_bytes(req))
      + " of binary ones), more than "
      + (cfg.max_request_bytes
           ? "max_request_bytes (" + std::to_string(*cfg.max_request_bytes)
               + ")"
           : "max_message_mb (" + std::to_string(cfg.max_message_mb)
               + " MiB)")
      + " of pool " + cfg.name);
}

} // namespace

std::string command_label(const std::string& command) {
  if (check_name("command", command, command_rules).empty())
    return command;
  return "(invalid)";
}

std::variant<std::string, failure> prepare_call(const execute_request& req,
                                                const pool_config& cfg,
                                                bool stream) {
  // Refused before anything is parsed or copied when the raw arguments
  // alone exceed the limit.
  auto raw = req.args_json.size() + binary_arg_bytes(req);
  if (raw > cfg.request_byte_limit())
    return too_large(req, raw, true, cfg);
  auto prepared = prepare_arguments(req.args_json, cfg.max_json_depth);
  if (auto* problem = std::get_if<std::string>(&prepared))
    return make_failure(error_code::invalid_arguments, std::move(*problem));
  auto& json_args = std::get<json_arguments>(prepared);
  if (auto problem = check_binary_names(req, json_args); !problem.empty())
    return make_failure(error_code::invalid_arguments, std::move(problem));
  auto bytes = bridge::encode_call(req.command, std::move(json_args),
                                   req.session_id, req.binary_args, stream);
  auto size = bytes.size() + bridge::call_id_bytes;
  if (size > cfg.request_byte_limit())
    return too_large(req, size, false, cfg);
  return bytes;
}

} // namespace snakepit::detail
