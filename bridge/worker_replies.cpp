#include "bridge/worker_replies.hpp"

#include <charconv>

#include "bridge.pb.h"

namespace snakepit::bridge {

namespace {

/// The error code of a failure category a worker reported: only the
/// categories a worker may report are taken at their word.
error_code from_category(const std::string& category) {
  auto code = error_code_from_string(category);
  if (code == error_code::unknown_command
      || code == error_code::invalid_arguments)
    return *code;
  return error_code::python_error;
}

} // namespace

tool_result from_execute_response(ExecuteToolResponse resp) {
  tool_result out;
  out.python_us = resp.execution_time_us();
  if (resp.success() && !resp.has_result()) {
    out.binary = true;
    out.result_json = "null";
    out.binary_result = std::move(*resp.mutable_binary_result());
    return out;
  }
  if (resp.success()) {
    out.result_json = std::move(*resp.mutable_result()->mutable_value());
    if (out.result_json.empty())
      out.result_json = "null";
    return out;
  }
  const auto& err = resp.error();
  out.error.code = from_category(err.category());
  out.error.message = err.message().empty() ? resp.error_message()
                                            : err.message();
  out.error.python_type = err.type();
  out.error.traceback = err.traceback();
  return out;
}

worker_activity from_worker_info(const WorkerInfo& info) {
  worker_activity out;
  out.busy_slots = info.busy_slots();
  for (const auto& id : info.active_calls()) {
    uint64_t call_id = 0;
    auto end = id.data() + id.size();
    if (auto [ptr, ec] = std::from_chars(id.data(), end, call_id);
        ec == std::errc{} && ptr == end)
      out.active_calls.push_back(call_id);
  }
  return out;
}

} // namespace snakepit::bridge
