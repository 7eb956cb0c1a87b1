#pragma once

/// Host tools: C++ functions and actors a host offers to its Python
/// workers. A tool calls one with `context.call_host("name", **args)` and
/// gets its result, or a `HostToolError` carrying the host's error. The
/// call travels over the worker's own native connection (no listener on
/// the host); it is bounded by the deadline of the tool call that makes
/// it. See docs/architecture.md, "Host tools".
///
///   host->host_tools().add("price_of", "the price of a SKU, in cents",
///     [](const snakepit::host_call& call) -> snakepit::host_tool_reply {
///       auto args = nlohmann::json::parse(call.args_json);
///       return snakepit::host_tool_output::json(
///         std::to_string(prices.at(args.at("sku"))));
///     });

#include <caf/actor_cast.hpp>
#include <caf/atom.hpp>
#include <caf/weak_intrusive_ptr.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <snakepit/requests.hpp>
#include <snakepit/result.hpp>

namespace snakepit {

/// One call of a host tool, as its function or actor gets it.
struct host_call {
  /// The host tool's name.
  std::string tool;
  /// The arguments as a JSON object, checked: valid JSON, an object,
  /// nested at most the pool's `max_json_depth` levels (safe to parse).
  std::string args_json;
  /// The arguments that were `bytes` in Python, raw.
  std::map<std::string, bytes> binary_args;
  /// The pool and worker whose tool makes the call ("default/w2").
  std::string pool;
  std::string worker;
  /// Time left until the deadline of the tool call that makes it: an
  /// answer after that is dropped (the tool got `request_timeout`).
  std::chrono::milliseconds time_left{0};
};

/// What a host tool returns: a JSON value, or bytes.
struct host_tool_output {
  /// JSON text of the result (`null` when `binary`).
  std::string result_json = "null";
  /// Raw bytes of the result, when `binary`: Python gets `bytes`.
  bytes binary_result{};
  bool binary = false;

  /// A JSON result (`text` must be valid JSON; the worker checks it).
  static host_tool_output json(std::string text) {
    host_tool_output out;
    out.result_json = std::move(text);
    return out;
  }

  /// A bytes result.
  static host_tool_output raw(bytes data) {
    host_tool_output out;
    out.binary_result = std::move(data);
    out.binary = true;
    return out;
  }
};

/// A host tool's answer: its output, or a failure whose category
/// (`to_string(code)`) and message reach Python in the `HostToolError`.
using host_tool_reply = result<host_tool_output>;

/// A host tool as a function. It runs on a thread of its own (never a CAF
/// scheduler thread), so it may block or be slow; an exception it throws
/// becomes an `internal` failure with the exception's text.
using host_tool_function = std::function<host_tool_reply(const host_call&)>;

/// The message a host tool actor answers: `(host_call_atom, host_call) ->
/// host_tool_reply`.
using host_call_atom = caf::atom_constant<caf::atom("sp_hcall")>;

/// A host tool as an actor: it gets each call as a request and answers
/// it, when it likes, within the call's `time_left`.
using host_tool_actor = caf::typed_actor<
  caf::replies_to<host_call_atom, host_call>::with<host_tool_reply>>;

/// A host tool's name and what it does, as Python's `context.host_tools`
/// lists them.
struct host_tool_spec {
  std::string name;
  std::string description;
};

/// The host tools of one host, shared by its pools. Thread-safe. Tools
/// added after a worker started are callable by it; its
/// `context.host_tools` list is the one of its start. An actor tool is
/// held weakly: it lives as long as its owner keeps it (stop it before
/// the host stops, like any actor of one's own); once it is gone, calls
/// of it fail with `unknown_command`.
class host_tool_registry {
public:
  /// One registered tool, as `find` gives it.
  struct entry {
    host_tool_spec spec;
    /// The function, or the actor; exactly one is set.
    host_tool_function function;
    host_tool_actor actor;
  };

  /// Offers `fn` as `name` (1-128 bytes of [A-Za-z0-9_.-]); false (and
  /// nothing changes) when the name is invalid, taken, or `fn` is empty.
  bool add(std::string name, std::string description,
           host_tool_function fn);

  /// Offers `handle` as `name` (rules as above); false when the name is
  /// invalid or taken, or the handle is invalid.
  bool add(std::string name, std::string description,
           host_tool_actor handle);

  /// Withdraws `name`; false when there is no such tool.
  bool remove(const std::string& name);

  /// The tool called `name`, or nullopt (also for an actor tool whose
  /// actor is gone).
  std::optional<entry> find(const std::string& name) const;

  /// Every tool's name and description, sorted by name.
  std::vector<host_tool_spec> list() const;

private:
  struct stored {
    host_tool_spec spec;
    host_tool_function function;
    caf::weak_actor_ptr actor;
  };

  bool insert(stored s);

  mutable std::mutex mutex_;
  std::map<std::string, stored> tools_;
};

/// Inspects host_call.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_call& x) {
  return f(caf::meta::type_name("host_call"), x.tool, x.args_json,
           x.binary_args, x.pool, x.worker, x.time_left);
}

/// Inspects host_tool_output.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_tool_output& x) {
  return f(caf::meta::type_name("host_tool_output"), x.result_json,
           x.binary_result, x.binary);
}

} // namespace snakepit
