#pragma once

/// Runs the host calls of one worker's tools (include/snakepit/host_tools.hpp)
/// so that a slow host tool never holds the worker's connection or a
/// scheduler thread: a function tool runs on a thread of its own; an
/// actor tool gets the call as a request from the worker actor, bounded by
/// the time left. The native connection answers calls still unanswered at
/// their deadline.

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include <functional>

#include <memory>
#include <string>

#include <snakepit/host_tools.hpp>

#include "bridge/channel.hpp"

namespace snakepit {

/// A call of an actor tool, handed to the worker actor (`worker_actor`
/// of `make_host_tool_service`), which asks the tool with
/// `ask_actor_tool`. Local only.
struct actor_tool_call {
  host_tool_actor tool;
  host_call call;
  std::function<void(bridge::host_call_answer)> answer;
  int max_json_depth = 0;
};

/// The host tool service of worker `worker` (id `worker_id`, actor
/// `worker_actor`, held weakly) of pool `pool`: the tools of `registry`
/// listed, and a handler that runs each call. Arguments are checked
/// (a JSON object at most `max_json_depth` deep) before a tool sees them.
/// Without a registry: no tools, and calls fail.
bridge::host_tool_service
make_host_tool_service(caf::weak_actor_ptr worker_actor,
                       std::shared_ptr<const host_tool_registry> registry,
                       std::string pool, std::string worker_id,
                       int max_json_depth);

/// Asks the actor tool of `c` on behalf of `self` (the worker actor) and
/// answers with its reply or failure.
void ask_actor_tool(caf::event_based_actor* self, actor_tool_call& c);

} // namespace snakepit

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(snakepit::actor_tool_call)
