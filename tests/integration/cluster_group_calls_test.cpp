// Streams and sessions through a pool group (docs/distribution.md, "Pool
// groups"): a `snakepit run` process serves a pool on loopback, reached as
// the remote pool "far", and a host in the test process groups it with its
// own pool "near" as "both".

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <csignal>
#include <map>

#include <snakepit/snakepit.hpp>

#include "cluster_support.hpp"
#include "support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono_literals;

namespace {

execute_request group_request(const std::string& command,
                              const std::string& args,
                              const std::string& session = "") {
  execute_request req;
  req.pool = "both";
  req.command = command;
  req.args_json = args;
  req.session_id = session;
  return req;
}

/// The member that served `reply`: "near", or "default" (far's pool).
std::string member_of(const execute_reply& reply) {
  INFO(describe(reply));
  REQUIRE(reply.ok());
  return reply->worker.substr(0, reply->worker.find('/'));
}

/// `session_add` in `session` through the group; its reply.
execute_reply add_in(host& h, const std::string& session) {
  return session_add(h, "both", session);
}

/// Reads `reader` to its end, from chunk `first` on; the chunks read,
/// checking their order.
uint64_t drain(stream_reader& reader, uint64_t first = 0) {
  uint64_t n = first;
  while (auto chunk = reader.next()) {
    CHECK(chunk->index == n);
    ++n;
  }
  return n - first;
}

} // namespace

TEST_CASE("pool group: streams go to the members, each with every chunk in "
          "order and one end",
          "[integration][cluster][group][stream]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0, 2)}};
  auto port = start_server(server);
  auto client = start_client(
    group_config(tmp, port, 2, group_strategy::round_robin));
  REQUIRE(client->await_ready().back().failed.code == error_code::none);

  // Four at once, in turn to near and far; each longer than the window
  // (16), so acknowledgements cross the group (and the network for far).
  std::vector<stream_reader> readers;
  for (int i = 0; i < 4; ++i)
    readers.push_back(
      client->client().stream(group_request("count", R"({"n": 100})")));
  std::map<std::string, int> by_member;
  for (auto& reader : readers) {
    CHECK(drain(reader) == 100);
    REQUIRE(reader.outcome().ok());
    CHECK(reader.outcome()->chunks == 100);
    ++by_member[member_of(reader.outcome())];
  }
  CHECK(by_member["near"] == 2);
  CHECK(by_member["default"] == 2);

  check_binary_stream_and_cancel(*client, "both");
  client.reset();
  check_no_local_workers();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("pool group: a stream counts as load on its member until it ends",
          "[integration][cluster][group][stream]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0, 1)}};
  auto port = start_server(server);
  auto client = start_client(
    group_config(tmp, port, 1, group_strategy::least_loaded));
  REQUIRE(client->await_ready().back().failed.code == error_code::none);

  // One worker each: the stream takes one member's only slot, so every
  // call goes to the other one.
  auto endless = client->client().stream(
    group_request("count", R"({"n": 1000000, "ms": 5})"));
  REQUIRE(endless.next());
  std::map<std::string, int> calls;
  for (int i = 0; i < 10; ++i)
    ++calls[member_of(client->client().execute(group_request("ping", "{}")))];
  CHECK(calls.size() == 1);
  endless.cancel();
  drain(endless, 1);
  CHECK(endless.outcome().error().code == error_code::cancelled);
  // Ended, it no longer counts: calls reach both members again.
  REQUIRE(eventually([&] {
    std::map<std::string, int> after;
    for (int i = 0; i < 4; ++i)
      ++after[member_of(
        client->client().execute(group_request("ping", "{}")))];
    return after.size() == 2;
  }, patience, 100ms));
  client.reset();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("pool group: a session's requests all reach the member that took "
          "its first one, and a closed session starts anew",
          "[integration][cluster][group][sessions]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0, 2)}};
  auto port = start_server(server);
  auto client = start_client(
    group_config(tmp, port, 2, group_strategy::least_loaded));
  REQUIRE(client->await_ready().back().failed.code == error_code::none);

  // Six sessions, their requests interleaved: each total counts up on the
  // worker that holds the session, whatever the other members' load.
  std::map<std::string, std::string> worker_of;
  std::map<std::string, int> sessions_on;
  for (int round = 1; round <= 4; ++round)
    for (int s = 0; s < 6; ++s) {
      auto id = "s" + std::to_string(s);
      auto reply = add_in(*client, id);
      CHECK(total_of(reply) == round);
      if (round == 1) {
        worker_of[id] = reply->worker;
        ++sessions_on[member_of(reply)];
      }
      CHECK(reply->worker == worker_of[id]);
    }
  CHECK(sessions_on["near"] > 0);
  CHECK(sessions_on["default"] > 0);

  // Closed through the group: at the member that holds it.
  auto closed = client->client().close_session("both", "s0");
  REQUIRE(closed);
  CHECK(*closed);
  CHECK(total_of(add_in(*client, "s0")) == 1);
  CHECK(total_of(add_in(*client, "s1")) == 5);
  // An id no pool takes is refused before the group remembers it.
  auto huge = add_in(*client, std::string(100000, 's'));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().code == error_code::invalid_arguments);
  // A session the group never routed: no member knows it.
  auto unknown = client->client().close_session("both", "never");
  REQUIRE(unknown);
  CHECK_FALSE(*unknown);
  client.reset();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("pool group: a member that stops loses its sessions, which fail "
          "with session_lost until closed",
          "[integration][cluster][group][sessions]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0, 1)}};
  auto port = start_server(server);
  auto client = start_client(
    group_config(tmp, port, 1, group_strategy::round_robin));
  REQUIRE(client->await_ready().back().failed.code == error_code::none);
  // Round robin: "a" on one member, "b" on the other.
  auto a = add_in(*client, "a");
  auto b = add_in(*client, "b");
  auto on_near = member_of(a) == "near" ? std::string{"a"} : "b";
  auto on_far = on_near == "a" ? std::string{"b"} : "a";
  REQUIRE(member_of(on_near == "a" ? a : b) == "near");
  REQUIRE(member_of(on_near == "a" ? b : a) == "default");

  // The pool actor "near" stops as if it had crashed; its supervisor
  // starts it again, with none of the sessions it held.
  {
    caf::scoped_actor self{client->system()};
    pool_actor near;
    self->request(client->root(), caf::infinite, lookup_atom::value,
                  std::string{"near"})
      .receive([&](pool_actor& found) { near = found; },
               [&](caf::error& err) { FAIL(client->system().render(err)); });
    REQUIRE(near);
    caf::anon_send_exit(near, caf::exit_reason::unhandled_exception);
  }
  execute_reply lost;
  REQUIRE(eventually([&] {
    lost = add_in(*client, on_near);
    return !lost && lost.error().code == error_code::session_lost;
  }, patience, 50ms));
  CHECK_THAT(lost.error().message, Catch::Contains("near"));
  // Still lost on the next request, and the other member's session goes
  // on.
  auto again = add_in(*client, on_near);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == error_code::session_lost);
  CHECK(total_of(add_in(*client, on_far)) == 2);

  // Closed, it starts anew once near is back.
  auto closed = client->client().close_session("both", on_near);
  REQUIRE(closed);
  CHECK(*closed);
  REQUIRE(eventually([&] {
    auto s = client->client().status("near");
    return s && s->ready == 1;
  }, patience, 100ms));
  CHECK(total_of(add_in(*client, on_near)) == 1);
  client.reset();
  check_no_local_workers();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}
