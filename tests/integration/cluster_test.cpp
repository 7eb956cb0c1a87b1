// Pools across hosts (docs/distribution.md): a `snakepit run` process
// serves its pools on loopback, and a host in the test process reaches one
// as a remote pool. Calls, a host that is killed under load and comes back,
// refused configs, and peers that send garbage or stall.

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>

#include <snakepit/snakepit.hpp>

#include "cluster_support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono_literals;


TEST_CASE("cluster: a host calls a pool of another host", "[integration]"
          "[cluster]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0)}};
  auto port = start_server(server);
  remote_pool_config missing;
  missing.name = "missing";
  missing.node = "127.0.0.1:" + std::to_string(port);
  missing.pool = "no_such_pool";
  missing.connect_timeout = 2s;
  auto client = start_client(client_config(tmp, port, {missing}));

  auto ready = client->await_ready();
  REQUIRE(ready.size() == 2);
  INFO(ready[0].failed.message);
  CHECK(ready[0].name == "far");
  CHECK(ready[0].failed.code == error_code::none);
  CHECK(ready[0].ready == 2);
  // A pool the other host does not have: node_down, saying so.
  CHECK(ready[1].name == "missing");
  CHECK(ready[1].failed.code == error_code::node_down);
  CHECK_THAT(ready[1].failed.message, Catch::Contains("no_such_pool"));

  auto sum = client->client().execute("far", "add", R"({"a": 20, "b": 22})");
  REQUIRE(sum);
  CHECK(sum->result_json == "42");
  // The remote pool's errors come through as they are.
  auto failed = client->client().execute("far", "fail", R"({"message": "x"})");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == error_code::python_error);
  auto status = client->client().status("far");
  REQUIRE(status);
  CHECK(status->name == "far");
  CHECK(status->size == 2);
  auto none = client->client().execute("missing", "ping", "{}");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == error_code::node_down);
  // A call in flight when the calling host stops gets shutting_down.
  std::optional<execute_reply> slow;
  std::thread caller{[&] {
    slow = client->client().execute("far", "sleep", R"({"ms": 3000})");
  }};
  std::this_thread::sleep_for(300ms);
  client->stop();
  caller.join();
  REQUIRE(slow);
  REQUIRE_FALSE(*slow);
  CHECK(slow->error().code == error_code::shutting_down);
  client.reset();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("cluster: snakepit inspect --node reads another host's pools",
          "[integration][cluster][cli]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0)}};
  auto port = start_server(server);
  auto node = "127.0.0.1:" + std::to_string(port);
  auto text = run_command({cli_path(), "inspect", "--node", node});
  INFO(text.err);
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("default"));
  auto json = run_command(
    {cli_path(), "inspect", "--node", node, "--format", "json"});
  INFO(json.err);
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.out, Catch::Contains("\"name\": \"default\""));
  CHECK_THAT(json.out, Catch::Contains("default/w1"));
  // Another machine's address needs mutual TLS; nobody there: exit 1.
  auto far = run_command({cli_path(), "inspect", "--node", "10.0.0.1:7400"});
  CHECK(far.exit_code == 1);
  CHECK_THAT(far.err, Catch::Contains("needs mutual TLS"));
  auto nobody = run_command(
    {cli_path(), "inspect", "--node",
     "127.0.0.1:" + std::to_string(free_port())});
  CHECK(nobody.exit_code == 1);
  CHECK_THAT(nobody.err, Catch::Contains("cannot be reached"));
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("cluster: a host killed under load fails its calls in flight with "
          "node_down, once each, and serves again after its restart",
          "[integration][cluster][signals]") {
  temp_dir tmp;
  auto port = free_port();
  auto config = serving_config(tmp, port, 2);
  auto server = serve_on_port(config, port);
  auto workers = python_workers_of(server->pid());
  auto client = start_client(client_config(tmp, port));
  REQUIRE(client->await_ready().front().ready == 2);

  // 4 callers of 50 ms sleeps on 2 workers: two calls in flight, two
  // queued on the other host when it dies.
  std::atomic<bool> stop{false};
  std::mutex mtx;
  std::map<error_code, int> outcomes;
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i)
    callers.emplace_back([&] {
      while (!stop) {
        auto r = client->client().execute("far", "sleep", R"({"ms": 50})");
        std::lock_guard<std::mutex> guard{mtx};
        ++outcomes[r ? error_code::none : r.error().code];
      }
    });
  std::this_thread::sleep_for(500ms);
  server->signal(SIGKILL);
  REQUIRE(server->wait_exit(patience) == 128 + SIGKILL);
  auto killed_at = std::chrono::steady_clock::now();
  // Every caller gets its node_down at once, not after a timeout.
  REQUIRE(eventually([&] {
    std::lock_guard<std::mutex> guard{mtx};
    return outcomes[error_code::node_down] >= 4;
  }, 5000ms));
  CHECK(std::chrono::steady_clock::now() - killed_at < 3s);
  stop = true;
  for (auto& t : callers)
    t.join();
  {
    INFO("successes " << outcomes[error_code::none] << ", node_down "
                      << outcomes[error_code::node_down]);
    CHECK(outcomes[error_code::none] > 0);
    // Nothing else: every call ended with its reply or with node_down.
    CHECK(outcomes.size() == 2);
  }
  for (int pid : workers)
    CHECK(eventually([&] { return process_gone(pid); }, 5000ms));

  // The same host comes back on the same port: the remote pool connects
  // again by itself and serves.
  server = serve_on_port(config, port);
  CHECK(eventually([&] {
    auto r = client->client().execute("far", "add", R"({"a": 1, "b": 2})");
    return r && r->result_json == "3";
  }, 10000ms, 100ms));
  client.reset();
  server->signal(SIGTERM);
  CHECK(server->wait_exit(patience) == 0);
}

TEST_CASE("cluster: a frozen host (SIGSTOP) is down after node_timeout, and "
          "once thawed it serves again, its sessions kept",
          "[integration][cluster][signals]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0)}};
  auto port = start_server(server);
  // Heartbeats every 200 ms, down after 1 s of silence (client_config).
  auto client = start_client(client_config(tmp, port));
  REQUIRE(client->await_ready().front().ready == 2);
  CHECK(total_of(session_add(*client, "far", "kept")) == 1);

  std::optional<result<execute_output>> in_flight;
  std::thread caller{[&] {
    in_flight = client->client().execute("far", "sleep", R"({"ms": 3000})");
  }};
  std::this_thread::sleep_for(300ms);
  server.signal(SIGSTOP);
  auto frozen_at = std::chrono::steady_clock::now();
  caller.join();
  auto waited = std::chrono::steady_clock::now() - frozen_at;
  REQUIRE(in_flight);
  REQUIRE_FALSE(*in_flight);
  CHECK(in_flight->error().code == error_code::node_down);
  // node_timeout (1 s) and a heartbeat, well before the call's 3 s.
  CHECK(waited < 2500ms);
  auto call = client->client().execute("far", "ping", "{}");
  REQUIRE_FALSE(call);
  CHECK(call.error().code == error_code::node_down);

  server.signal(SIGCONT);
  CHECK(eventually([&] {
    auto r = client->client().execute("far", "add", R"({"a": 3, "b": 4})");
    return r && r->result_json == "7";
  }, 10000ms, 100ms));
  // The same pool there, connected again: its sessions go on.
  CHECK(total_of(session_add(*client, "far", "kept")) == 2);
  client.reset();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("cluster: the sessions of a host that restarted are lost, not "
          "started afresh",
          "[integration][cluster][sessions][signals]") {
  temp_dir tmp;
  auto port = free_port();
  auto config = serving_config(tmp, port, 1);
  auto server = serve_on_port(config, port);
  auto client = start_client(client_config(tmp, port));
  REQUIRE(client->await_ready().front().ready == 1);
  for (int total = 1; total <= 3; ++total)
    CHECK(total_of(session_add(*client, "far", "s1")) == total);

  server->signal(SIGKILL);
  REQUIRE(server->wait_exit(patience) == 128 + SIGKILL);
  server = serve_on_port(config, port);
  await_connected(*client, "far");
  // Its state went with the host: lost, and still lost on the next call.
  for (int i = 0; i < 2; ++i) {
    auto lost = session_add(*client, "far", "s1");
    REQUIRE_FALSE(lost);
    CHECK(lost.error().code == error_code::session_lost);
    CHECK_THAT(lost.error().message, Catch::Contains("restarted"));
  }
  // New sessions work; a closed lost one starts anew.
  CHECK(total_of(session_add(*client, "far", "s2")) == 1);
  auto closed = client->client().close_session("far", "s1");
  REQUIRE(closed);
  CHECK(*closed);
  CHECK(total_of(session_add(*client, "far", "s1")) == 1);
  CHECK(total_of(session_add(*client, "far", "s1")) == 2);
  client.reset();
  server->signal(SIGTERM);
  CHECK(server->wait_exit(patience) == 0);
}

TEST_CASE("cluster: listening on an address that is not loopback is refused "
          "at start",
          "[integration][cluster]") {
  temp_dir tmp;
  auto path = tmp / "open.toml";
  write_file(path, "run_dir = \"" + (tmp / "run") + "\"\n"
                     "[cluster]\nlisten = \"0.0.0.0:7400\"\n");
  auto r = run_command({cli_path(), "run", "-c", path});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("cluster.listen"));
  CHECK_THAT(r.err, Catch::Contains("not a loopback address"));
}

TEST_CASE("cluster: peers that send garbage or stall do not disturb the "
          "host",
          "[integration][cluster]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0)}};
  auto port = start_server(server);
  auto client = start_client(client_config(tmp, port));
  REQUIRE(client->await_ready().front().ready == 2);

  std::vector<int> peers;
  // Garbage: random bytes where the protocol's handshake belongs.
  for (int i = 0; i < 5; ++i) {
    auto fd = connect_raw(port);
    std::string junk(4096, '\0');
    for (auto& c : junk)
      c = static_cast<char>(std::rand());
    CHECK(::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) > 0);
    peers.push_back(fd);
  }
  // Stalled: connected, never a byte.
  for (int i = 0; i < 20; ++i)
    peers.push_back(connect_raw(port));
  auto cpu_before = proc_cpu_ticks(server.pid());
  for (int i = 0; i < 20; ++i) {
    auto r = client->client().execute("far", "add", R"({"a": 1, "b": 1})");
    REQUIRE(r);
    CHECK(r->result_json == "2");
  }
  std::this_thread::sleep_for(1s);
  auto cpu_after = proc_cpu_ticks(server.pid());
  REQUIRE(cpu_before);
  REQUIRE(cpu_after);
  // A spinning server would use about 100 ticks of one core per second.
  CHECK(*cpu_after - *cpu_before < 50);
  for (int fd : peers)
    ::close(fd);
  client.reset();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("cluster: a remote pool whose host is not there answers every "
          "call with node_down at once, and keeps trying",
          "[integration][cluster]") {
  temp_dir tmp;
  auto port = free_port();
  auto client = start_client(client_config(tmp, port));
  auto ready = client->await_ready();
  REQUIRE(ready.size() == 1);
  CHECK(ready[0].failed.code == error_code::node_down);
  CHECK_THAT(ready[0].failed.message,
             Catch::Contains("127.0.0.1:" + std::to_string(port)));
  auto started = std::chrono::steady_clock::now();
  auto call = client->client().execute("far", "ping", "{}");
  REQUIRE_FALSE(call);
  CHECK(call.error().code == error_code::node_down);
  auto status = client->client().status("far");
  REQUIRE(status);
  CHECK(status->failed.code == error_code::node_down);
  auto inspect = client->client().inspect("far");
  REQUIRE(inspect);
  CHECK(inspect->failed.code == error_code::node_down);
  auto recycle = client->client().recycle("far", "");
  REQUIRE_FALSE(recycle);
  CHECK(recycle.error().code == error_code::node_down);
  auto restart = client->client().restart("far");
  REQUIRE_FALSE(restart);
  CHECK(restart.error().code == error_code::node_down);
  auto closed = client->client().close_session("far", "s1");
  REQUIRE_FALSE(closed);
  CHECK(closed.error().code == error_code::node_down);
  CHECK(std::chrono::steady_clock::now() - started < 2s);

  // The host appears later on that port: the remote pool finds it.
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, port)}};
  REQUIRE(start_server(server) == port);
  CHECK(eventually([&] {
    auto r = client->client().execute("far", "add", R"({"a": 2, "b": 3})");
    return r && r->result_json == "5";
  }, 10000ms, 100ms));
  client.reset();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("cluster: remote pools in an actor system without the middleman "
          "answer node_down saying so",
          "[integration][cluster]") {
  temp_dir tmp;
  auto cfg = client_config(tmp, free_port());
  caf::actor_system_config sys_cfg;
  prepare(sys_cfg);  // no middleman: bootstrap would load it
  caf::actor_system sys{sys_cfg};
  auto rt = runtime::create(cfg);
  REQUIRE(rt);
  auto root = spawn_host(sys, cfg, *rt);
  snakepit::client c{sys, root, "far"};
  auto ready = c.await_ready("far", 10s);
  REQUIRE(ready);
  CHECK(ready->failed.code == error_code::node_down);
  CHECK_THAT(ready->failed.message, Catch::Contains("no middleman"));
  auto call = c.execute("far", "ping", "{}");
  REQUIRE_FALSE(call);
  CHECK(call.error().code == error_code::node_down);
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
}
