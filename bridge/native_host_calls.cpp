// Host calls on the native transport: a worker's tool asks the host for a
// host tool (`host_call`), the host answers (`host_result`) exactly once,
// by the deadline of the tool call that made it.

#include "bridge/frame_codec.hpp"
#include "bridge/native_connection.hpp"
#include "native.pb.h"

#include <spdlog/spdlog.h>

namespace snakepit::bridge {

namespace {

using clock_type = std::chrono::steady_clock;

/// The `host_result` frame of `answer` for host call `id`.
std::string result_frame(uint64_t id, const host_call_answer& answer) {
  Envelope envelope;
  envelope.set_call_id(id);
  auto* result = envelope.mutable_host_result();
  result->set_success(answer.error.code == error_code::none);
  if (result->success()) {
    if (answer.binary)
      result->set_binary(answer.value);
    else
      result->set_json(answer.value);
  } else {
    result->set_error_category(to_string(answer.error.code));
    result->set_error_message(answer.error.message);
  }
  return encode_frame(envelope);
}

host_call_answer failed(error_code code, std::string message) {
  host_call_answer out;
  out.error = make_failure(code, std::move(message));
  return out;
}

} // namespace

std::string host_tools_frame(const std::vector<host_tool_listing>& tools) {
  Envelope envelope;
  auto* list = envelope.mutable_host_tools();
  for (const auto& tool : tools) {
    auto* spec = list->add_tools();
    spec->set_name(tool.name);
    spec->set_description(tool.description);
  }
  return encode_frame(envelope);
}

void native_connection::deliver_host_call(Envelope& envelope) {
  auto id = envelope.call_id();
  auto& call = *envelope.mutable_host_call();
  host_call_frame frame;
  std::optional<host_call_answer> refused;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto parent = pending_.find(call.parent_call_id());
    if (host_calls_.count(id) > 0) {
      spdlog::warn("native transport {}: host call id {} is already in "
                   "flight; ignored",
                   socket_path_, id);
      return;
    }
    if (!host_tools_.on_call) {
      refused = failed(error_code::internal,
                       "this host offers no host tools");
    } else if (parent == pending_.end()
               || !std::holds_alternative<tool_callback>(parent->second.done)) {
      refused = failed(error_code::cancelled,
                       "the tool call that made it has ended");
    } else if (host_calls_.size() >= max_host_calls_in_flight) {
      refused = failed(error_code::pool_saturated,
                       "the worker has "
                         + std::to_string(max_host_calls_in_flight)
                         + " host calls in flight already");
    } else {
      auto now = clock_type::now();
      // A stream held back by its caller has no deadline; its host calls
      // get the stream's idle timeout.
      auto deadline = std::min(parent->second.deadline,
                               now + parent->second.timeout);
      host_calls_.emplace(id, deadline);
      arm_timer_locked(deadline);
      frame.time_left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - now);
    }
  }
  if (refused) {
    std::lock_guard<std::mutex> lock{mutex_};
    send_locked(result_frame(id, *refused));
    return;
  }
  frame.tool = std::move(*call.mutable_tool());
  frame.args_json = std::move(*call.mutable_args_json());
  for (auto& [name, data] : *call.mutable_binary_args())
    frame.binary_args.emplace(name, std::move(data));
  std::weak_ptr<native_connection> weak = shared_from_this();
  frame.answer = [weak, id](host_call_answer answer) {
    if (auto self = weak.lock())
      self->answer_host_call(id, std::move(answer));
  };
  host_tools_.on_call(std::move(frame));
}

void native_connection::answer_host_call(uint64_t id,
                                         host_call_answer answer) {
  auto frame = result_frame(id, answer);
  if (frame.size() > max_message_bytes_ + frame_header_bytes)
    frame = result_frame(
      id, failed(error_code::invalid_arguments,
                 "the host tool's result is " + std::to_string(frame.size())
                   + " bytes, over the limit of "
                   + std::to_string(max_message_bytes_)
                   + " bytes (max_message_mb)"));
  std::lock_guard<std::mutex> lock{mutex_};
  if (state_ == state::down || host_calls_.erase(id) == 0)
    return; // answered already (its deadline passed), or the worker is gone
  send_locked(std::move(frame));
}

clock_type::time_point native_connection::expire_host_calls_locked(
  clock_type::time_point now) {
  auto next = clock_type::time_point::max();
  for (auto it = host_calls_.begin(); it != host_calls_.end();) {
    if (it->second > now) {
      next = std::min(next, it->second);
      ++it;
      continue;
    }
    queue_.push_back(out_frame{
      result_frame(it->first,
                   failed(error_code::request_timeout,
                          "the host tool did not answer before the deadline "
                          "of the tool call that called it")),
      nullptr, 0});
    it = host_calls_.erase(it);
  }
  return next;
}

} // namespace snakepit::bridge
