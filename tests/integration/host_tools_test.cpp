// Host tools (<snakepit/host_tools.hpp>), on both transports: a Python tool
// calls C++ functions and actors of its host over its own native
// connection; errors reach Python as HostToolError; a slow host tool holds
// no scheduler thread; a host tool that never answers is cut off at the
// deadline of the tool call. On gRPC, host calls are refused clearly.

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <atomic>
#include <future>

#include "calls.hpp"
#include "host_fixture.hpp"
#include "support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono_literals;

namespace {

/// `ask_host` of host tool `tool` with the JSON object `arguments`.
execute_request ask(const std::string& tool, const std::string& arguments,
                    const std::string& command = "ask_host") {
  return make_request("", command,
                      "{\"tool\": \"" + tool + "\", \"arguments\": "
                        + arguments + "}");
}

/// Adds "a" and "b" of its arguments; tells which worker called.
host_tool_reply add_numbers(const host_call& call) {
  auto args = nlohmann::json::parse(call.args_json);
  nlohmann::json out{{"sum", args.at("a").get<int>() + args.at("b").get<int>()},
                     {"worker", call.worker},
                     {"pool", call.pool},
                     {"time_left_ms", call.time_left.count()}};
  return host_tool_output::json(out.dump());
}

/// An actor tool answering "hello NAME", or never when the name is
/// "nobody".
host_tool_actor::behavior_type greeter(host_tool_actor::pointer self) {
  return {
    [self](host_call_atom,
           const host_call& call) -> caf::result<host_tool_reply> {
      auto name = nlohmann::json::parse(call.args_json).at("name")
                    .get<std::string>();
      auto rp = self->make_response_promise<host_tool_reply>();
      if (name != "nobody") // else never answered
        rp.deliver(host_tool_reply{
          host_tool_output::json(nlohmann::json("hello " + name).dump())});
      return rp;
    },
  };
}

bool on_grpc(const host_fixture& host) {
  return host.config().pools.front().transport == worker_transport::grpc;
}

/// Offers add_numbers, reverse_bytes, refuse, throws and the greeter
/// actor, which it returns.
caf::actor offer_tools(caf::actor_system& sys, host_tool_registry& tools) {
  REQUIRE(tools.add("add_numbers", "adds a and b", add_numbers));
  REQUIRE(tools.add("reverse_bytes", "the bytes of text, reversed",
                    [](const host_call& call) -> host_tool_reply {
                      auto text = nlohmann::json::parse(call.args_json)
                                    .at("text").get<std::string>();
                      return host_tool_output::raw(
                        to_bytes(std::string{text.rbegin(), text.rend()}));
                    }));
  REQUIRE(tools.add("refuse", "always fails",
                    [](const host_call&) -> host_tool_reply {
                      return make_failure(error_code::invalid_arguments,
                                          "refused on purpose");
                    }));
  REQUIRE(tools.add("throws", "throws",
                    [](const host_call&) -> host_tool_reply {
                      throw std::runtime_error("boom");
                    }));
  auto greet = sys.spawn(greeter);
  REQUIRE(tools.add("greet", "greets, from an actor", greet));
  // Invalid names and duplicates are refused.
  CHECK_FALSE(tools.add("add_numbers", "again", add_numbers));
  CHECK_FALSE(tools.add("bad name", "", add_numbers));
  CHECK_FALSE(tools.add("", "", add_numbers));
  return caf::actor_cast<caf::actor>(greet);
}

/// A host offering the tools of `offer_tools`. Like any service, it stops
/// its own tool actor before the host stops.
struct tool_host {
  explicit tool_host(host_config cfg)
    : host{std::move(cfg),
           [this](caf::actor_system& sys, host_tool_registry& tools) {
             greeter = offer_tools(sys, tools);
           }} {
    // nop
  }

  ~tool_host() {
    caf::anon_send_exit(greeter, caf::exit_reason::user_shutdown);
    host.stop();
  }

  caf::actor greeter;
  host_fixture host;
};

} // namespace

TEST_CASE("host tools: functions and actors of the host, called from "
          "Python",
          "[integration][host_tools]") {
  temp_dir tmp;
  tool_host tools{make_config(tmp / "run", 1)};
  auto& host = tools.host;
  REQUIRE(host.await_ready().all_ready());
  auto reply = host.client().execute(ask("add_numbers", R"({"a": 2, "b": 40})"));
  if (on_grpc(host)) {
    CHECK(reply.code() == error_code::python_error);
    CHECK(contains(reply.error().message, "native transport"));
    CHECK(result_of(host.exec("host_tool_names")).empty());
    return;
  }
  auto out = result_of(reply);
  CHECK(out.at("sum") == 42);
  CHECK(out.at("worker") == "default/w1");
  CHECK(out.at("pool") == "default");
  CHECK(out.at("time_left_ms").get<int64_t>() > 0);
  CHECK(out.at("time_left_ms").get<int64_t>() <= 10000);

  auto names = result_of(host.exec("host_tool_names"));
  CHECK(names == nlohmann::json{"add_numbers", "greet", "refuse",
                                "reverse_bytes", "throws"});

  auto raw = host.client().execute(ask("reverse_bytes", R"({"text": "abc"})"));
  INFO(describe(raw));
  REQUIRE(raw.ok());
  CHECK(raw->binary);
  CHECK(raw->binary_result == to_bytes("cba"));

  auto greeted = host.client().execute(ask("greet", R"({"name": "ada"})",
                                           "ask_host_async"));
  CHECK(result_of(greeted) == "hello ada");
  auto twice = host.client().execute(ask("add_numbers", R"({"a": 1, "b": 1})",
                                         "ask_host_twice"));
  auto both = result_of(twice);
  CHECK(both.at(0).at("sum") == 2);
  CHECK(both.at(1).at("sum") == 2);
}

TEST_CASE("host tools: the host's errors reach Python as HostToolError",
          "[integration][host_tools]") {
  temp_dir tmp;
  tool_host tools{make_config(tmp / "run", 1)};
  auto& host = tools.host;
  REQUIRE(host.await_ready().all_ready());
  if (on_grpc(host))
    return; // refused as a whole: the case above
  auto refused = host.client().execute(ask("refuse", "{}"));
  CHECK(refused.code() == error_code::python_error);
  CHECK(refused.error().python_type == "HostToolError");
  CHECK(contains(refused.error().message,
                 "invalid_arguments: refused on purpose"));
  auto unknown = host.client().execute(ask("missing", "{}"));
  CHECK(unknown.error().python_type == "HostToolError");
  CHECK(contains(unknown.error().message, "unknown_command"));
  CHECK(contains(unknown.error().message, "the host offers: add_numbers"));
  auto threw = host.client().execute(ask("throws", "{}"));
  CHECK(contains(threw.error().message, "host tool throws threw: boom"));
  auto bad = host.client().execute(ask("add_numbers", R"({"a": "x", "b": 1})"));
  CHECK(bad.error().python_type == "HostToolError");
  // The worker serves on.
  CHECK(result_of(host.client().execute(
          ask("add_numbers", R"({"a": 1, "b": 2})"))).at("sum") == 3);
}

TEST_CASE("host tools: a host tool that never answers is cut off at the "
          "tool call's deadline, and the worker serves on",
          "[integration][host_tools]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].request_timeout = 1500ms;
  tool_host tools{cfg};
  auto& host = tools.host;
  REQUIRE(host.await_ready().all_ready());
  if (on_grpc(host))
    return;
  auto stuck = host.client().execute(ask("greet", R"({"name": "nobody"})"));
  CHECK((stuck.code() == error_code::request_timeout
         || stuck.code() == error_code::python_error));
  REQUIRE(eventually([&] {
    auto again = host.client().execute(ask("greet", R"({"name": "bo"})"));
    return again.ok() && result_of(again) == "hello bo";
  }));
}

TEST_CASE("host tools: slow function tools hold no scheduler thread",
          "[integration][host_tools]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].profile = worker_profile::thread;
  cfg.pools[0].threads_per_worker = 16;
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> waiting{0};
  host_fixture host{cfg, [&](caf::actor_system&, host_tool_registry& tools) {
                      tools.add("wait", "waits for the test",
                                [gate, &waiting](const host_call&)
                                  -> host_tool_reply {
                                  ++waiting;
                                  gate.wait();
                                  return host_tool_output::json("true");
                                });
                    }};
  REQUIRE(host.await_ready().all_ready());
  if (on_grpc(host))
    return;
  // More blocked host tools than the host has scheduler threads.
  auto threads = host.system().scheduler().num_workers();
  REQUIRE(threads + 2 < 16); // a slot left for the ping
  std::vector<std::future<execute_reply>> blocked;
  for (std::size_t i = 0; i < threads + 2; ++i)
    blocked.push_back(exec_async(host, ask("wait", "{}")));
  REQUIRE(eventually([&] {
    return waiting.load() == static_cast<int>(threads + 2);
  }));
  // The pool and the worker still answer while they wait.
  auto ping = host.exec("ping");
  INFO(describe(ping));
  CHECK(ping.ok());
  CHECK(host.status().busy_slots == static_cast<int>(threads + 2));
  release.set_value();
  for (auto& b : blocked)
    CHECK(result_of(b.get()) == true);
}
