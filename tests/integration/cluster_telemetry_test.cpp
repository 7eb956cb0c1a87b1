// Telemetry across hosts (docs/distribution.md, "Telemetry across
// hosts"): the calling host publishes `request.executed` for its remote
// pools' calls, tagged with the other host; an actor subscribes to the
// other host's events through a remote pool, and stays subscribed across
// that host's restart.

#include <catch2/catch.hpp>

#include <csignal>
#include <mutex>

#include <caf/all.hpp>

#include "cluster_support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono_literals;

namespace {

/// The `request.executed` events an actor received.
struct executed_log {
  std::mutex mtx;
  std::vector<telemetry::request_executed> events;

  /// The events so far whose pool is `pool`.
  std::vector<telemetry::request_executed> of(const std::string& pool) {
    std::lock_guard<std::mutex> guard{mtx};
    std::vector<telemetry::request_executed> out;
    for (const auto& ev : events)
      if (ev.pool == pool)
        out.push_back(ev);
    return out;
  }
};

/// An actor appending the `request.executed` it gets to `log`.
caf::behavior collector(caf::event_based_actor* self,
                        std::shared_ptr<executed_log> log) {
  self->set_default_handler(caf::drop);
  return {
    [log](const telemetry::request_executed& ev) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->events.push_back(ev);
    },
  };
}

pool_actor lookup(host& h, const std::string& name) {
  caf::scoped_actor self{h.system()};
  pool_actor found;
  self->request(h.root(), caf::infinite, lookup_atom::value, name)
    .receive([&](pool_actor& p) { found = std::move(p); },
             [&](caf::error& err) { FAIL(h.system().render(err)); });
  return found;
}

} // namespace

TEST_CASE("cluster: remote calls publish request.executed with the node, and "
          "an actor subscribes to the other host's events across its "
          "restart",
          "[integration][cluster][telemetry]") {
  temp_dir tmp;
  auto port = free_port();
  auto config = serving_config(tmp, port, 2);
  auto server = serve_on_port(config, port);
  auto client = start_client(client_config(tmp, port));
  REQUIRE(client->await_ready().front().ready == 2);
  auto node = "127.0.0.1:" + std::to_string(port);

  auto log = std::make_shared<executed_log>();
  auto local = client->system().spawn(collector, log);
  auto remote = client->system().spawn(collector, log);
  telemetry::subscribe(local, telemetry::topic::of<telemetry::request_executed>());
  telemetry::subscribe_remote(lookup(*client, "far"), remote,
                              telemetry::topic::of<telemetry::request_executed>());

  // The subscription reaches the other host asynchronously: call until
  // its events come.
  REQUIRE(eventually([&] {
    client->client().execute("far", "add", R"({"a": 1, "b": 2})");
    return !log->of("default").empty();
  }, 10000ms, 50ms));
  auto mine = log->of("far");
  REQUIRE_FALSE(mine.empty());
  CHECK(mine.back().node == node);
  CHECK(mine.back().success);
  CHECK(mine.back().command == "add");
  CHECK_THAT(mine.back().worker, Catch::StartsWith("default/w"));
  auto theirs = log->of("default");
  CHECK(theirs.back().node.empty());
  CHECK(theirs.back().command == "add");
  // A failure carries its category on both hosts.
  client->client().execute("far", "fail", R"({"message": "x"})");
  CHECK(eventually([&] {
    auto far = log->of("far");
    auto def = log->of("default");
    return !far.empty() && far.back().error == "python_error" && !def.empty()
           && def.back().error == "python_error";
  }));

  // The other host goes and comes back: calls lost on the way are
  // published as node_down here, and the subscription is renewed.
  server->signal(SIGKILL);
  REQUIRE(server->wait_exit(patience) == 128 + SIGKILL);
  CHECK(eventually([&] {
    client->client().execute("far", "ping", "{}");
    auto far = log->of("far");
    return !far.empty() && far.back().error == "node_down";
  }));
  auto seen_before = log->of("default").size();
  server = serve_on_port(config, port);
  CHECK(eventually([&] {
    client->client().execute("far", "add", R"({"a": 2, "b": 2})");
    return log->of("default").size() > seen_before;
  }, 10000ms, 100ms));

  caf::anon_send_exit(local, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(remote, caf::exit_reason::user_shutdown);
  client.reset();
  server->signal(SIGTERM);
  CHECK(server->wait_exit(patience) == 0);
}
