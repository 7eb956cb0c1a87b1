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

/// The failure a worker's ToolError reports; `fallback` is the message
/// when the error has none.
failure from_tool_error(const ToolError& err, const std::string& fallback) {
  failure out;
  out.code = from_category(err.category());
  out.message = err.message().empty() ? fallback : err.message();
  out.python_type = err.type();
  out.traceback = err.traceback();
  return out;
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
  out.error = from_tool_error(resp.error(), resp.error_message());
  return out;
}

tool_result from_final_chunk(const ToolChunk& final_chunk) {
  tool_result out;
  out.python_us = final_chunk.execution_time_us();
  if (final_chunk.has_error())
    out.error = from_tool_error(final_chunk.error(),
                                "the stream failed ("
                                  + final_chunk.error().category() + ")");
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
