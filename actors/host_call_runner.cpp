#include "actors/host_call_runner.hpp"

#include <caf/all.hpp>

#include <exception>
#include <thread>

#include "core/arguments.hpp"

namespace snakepit {

namespace {

bridge::host_call_answer failed(error_code code, std::string message) {
  bridge::host_call_answer out;
  out.error = make_failure(code, std::move(message));
  return out;
}

/// The answer for a host tool's reply.
bridge::host_call_answer answer_of(host_tool_reply reply) {
  if (!reply)
    return {std::move(reply).error(), {}, false};
  if (reply->binary)
    return {{}, std::string{as_chars(reply->binary_result)}, true};
  return {{}, std::move(reply->result_json), false};
}

using answer_fn = std::function<void(bridge::host_call_answer)>;

/// Checks the arguments of `call`; the failure to answer with, if any.
std::optional<bridge::host_call_answer> check_arguments(const host_call& call,
                                                        int max_json_depth) {
  auto checked = prepare_arguments(call.args_json, max_json_depth);
  if (auto* problem = std::get_if<std::string>(&checked))
    return failed(error_code::invalid_arguments,
                  "the arguments of host tool " + call.tool + ": " + *problem);
  return std::nullopt;
}

/// Runs a function tool on the calling thread (one of its own).
void run_function(const host_tool_function& fn, const host_call& call,
                  const answer_fn& answer, int max_json_depth) {
  if (auto refused = check_arguments(call, max_json_depth)) {
    answer(std::move(*refused));
    return;
  }
  try {
    answer(answer_of(fn(call)));
  } catch (const std::exception& e) {
    answer(failed(error_code::internal,
                  "host tool " + call.tool + " threw: " + e.what()));
  } catch (...) {
    answer(failed(error_code::internal,
                  "host tool " + call.tool + " threw a non-standard "
                  "exception"));
  }
}


/// "a, b, c" of the registry's tool names ("none" when empty).
std::string tool_names(const host_tool_registry& registry) {
  std::string out;
  for (const auto& spec : registry.list())
    out += (out.empty() ? "" : ", ") + spec.name;
  return out.empty() ? "none" : out;
}

} // namespace

void ask_actor_tool(caf::event_based_actor* self, actor_tool_call& c) {
  auto answer = std::move(c.answer);
  if (auto refused = check_arguments(c.call, c.max_json_depth)) {
    answer(std::move(*refused));
    return;
  }
  auto name = c.call.tool;
  auto time_left = c.call.time_left;
  self->request(c.tool, time_left, host_call_atom::value, std::move(c.call))
    .then(
      [answer](host_tool_reply& reply) { answer(answer_of(std::move(reply))); },
      [answer, name](caf::error& err) {
        answer(err == caf::sec::request_timeout
                 ? failed(error_code::request_timeout,
                          "host tool " + name + " did not answer in time")
                 : failed(error_code::internal,
                          "host tool " + name + " failed: "
                            + caf::to_string(err)));
      });
}

bridge::host_tool_service
make_host_tool_service(caf::weak_actor_ptr worker_actor,
                       std::shared_ptr<const host_tool_registry> registry,
                       std::string pool, std::string worker,
                       int max_json_depth) {
  bridge::host_tool_service service;
  if (!registry)
    return service;
  for (auto& spec : registry->list())
    service.tools.push_back({std::move(spec.name),
                             std::move(spec.description)});
  service.on_call = [worker_actor = std::move(worker_actor), registry,
                     pool = std::move(pool),
                     worker = std::move(worker),
                     max_json_depth](bridge::host_call_frame frame) {
    auto entry = registry->find(frame.tool);
    if (!entry) {
      frame.answer(failed(error_code::unknown_command,
                          "no host tool named " + frame.tool
                            + "; the host offers: "
                            + tool_names(*registry)));
      return;
    }
    host_call call;
    call.tool = std::move(frame.tool);
    call.args_json = std::move(frame.args_json);
    for (auto& [name, data] : frame.binary_args)
      call.binary_args.emplace(name, to_bytes(data));
    call.pool = pool;
    call.worker = worker;
    call.time_left = frame.time_left;
    if (entry->function)
      // A thread of its own, detached: it holds nothing of the host but
      // what it was given, and the answer reaches the connection only if
      // it is still there.
      std::thread([fn = std::move(entry->function), call = std::move(call),
                   answer = std::move(frame.answer), max_json_depth] {
        run_function(fn, call, answer, max_json_depth);
      }).detach();
    else if (auto strong = caf::actor_cast<caf::actor>(worker_actor.lock()))
      caf::anon_send(strong, actor_tool_call{std::move(entry->actor),
                                             std::move(call),
                                             std::move(frame.answer),
                                             max_json_depth});
    else
      frame.answer(failed(error_code::cancelled,
                          "worker " + worker + " is stopping"));
  };
  return service;
}

} // namespace snakepit
