// Pool groups (docs/distribution.md, "Pool groups"): a `snakepit run`
// process serves a pool on loopback, and a host in the test process groups
// its own pool "near" with the other host's, reached as the remote pool
// "far". Balancing by free capacity and in turn, the remote host killed
// under load and back, and a group without any member up.

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <snakepit/snakepit.hpp>

#include "cluster_support.hpp"
#include "support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono_literals;

namespace {

/// Requests member `pool` was handed since it started.
int64_t dispatched(host& h, const std::string& pool) {
  auto s = h.client().status(pool);
  REQUIRE(s);
  return s->requests_dispatched;
}

/// Outcomes of calls to "both" by `callers` threads, each calling a 50 ms
/// sleep in a loop until `stop`.
class group_load {
public:
  group_load(host& h, int callers) {
    for (int i = 0; i < callers; ++i)
      threads_.emplace_back([this, &h] {
        while (!stop_) {
          auto r = h.client().execute("both", "sleep", R"({"ms": 50})");
          std::lock_guard<std::mutex> guard{mtx_};
          ++outcomes_[r ? error_code::none : r.error().code];
        }
      });
  }

  ~group_load() {
    finish();
  }

  /// Stops the callers once their calls are answered; their outcomes.
  std::map<error_code, int> finish() {
    stop_ = true;
    for (auto& t : threads_)
      t.join();
    threads_.clear();
    return outcomes_;
  }

  /// Calls answered so far with `code`.
  int count(error_code code) {
    std::lock_guard<std::mutex> guard{mtx_};
    return outcomes_[code];
  }

private:
  std::atomic<bool> stop_{false};
  std::mutex mtx_;
  std::map<error_code, int> outcomes_;
  std::vector<std::thread> threads_;
};

} // namespace

TEST_CASE("pool group: least_loaded spreads calls by free capacity",
          "[integration][cluster][group]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0, 2)}};
  auto port = start_server(server);
  auto client = start_client(
    group_config(tmp, port, 4, group_strategy::least_loaded));
  auto ready = client->await_ready();
  REQUIRE(ready.size() == 3);
  CHECK(ready[2].name == "both");
  CHECK(ready[2].failed.code == error_code::none);
  CHECK(ready[2].size == 6);

  // 12 callers on 6 slots: near (4 workers) drains twice as fast as far.
  {
    group_load load{*client, 12};
    REQUIRE(eventually([&] { return load.count(error_code::none) >= 200; },
                       patience, 50ms));
    auto outcomes = load.finish();
    CHECK(outcomes.size() == 1);
  }
  auto near = dispatched(*client, "near");
  auto far = dispatched(*client, "far");
  INFO("near " << near << ", far " << far);
  CHECK(near > far);
  CHECK(far * 5 > near);
  auto status = client->client().status("both");
  REQUIRE(status);
  CHECK(status->requests_dispatched == near + far);
  client.reset();
  check_no_local_workers();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("pool group: a member's host killed under load: every call is "
          "answered once, the group serves from the other member and uses "
          "the host again after its restart",
          "[integration][cluster][group][signals]") {
  temp_dir tmp;
  auto port = free_port();
  auto config = serving_config(tmp, port, 2);
  auto server = serve_on_port(config, port);
  auto workers = python_workers_of(server->pid());
  auto client = start_client(
    group_config(tmp, port, 2, group_strategy::least_loaded));
  REQUIRE(client->await_ready().back().failed.code == error_code::none);

  std::map<error_code, int> outcomes;
  {
    group_load load{*client, 8};
    REQUIRE(eventually([&] { return load.count(error_code::none) >= 40; },
                       patience, 20ms));
    REQUIRE(dispatched(*client, "far") > 0);
    server->signal(SIGKILL);
    REQUIRE(server->wait_exit(patience) == 128 + SIGKILL);
    // The group keeps serving from near.
    auto served = load.count(error_code::none);
    REQUIRE(eventually([&] {
      return load.count(error_code::none) >= served + 40;
    }, patience, 20ms));
    outcomes = load.finish();
  }
  INFO("successes " << outcomes[error_code::none] << ", node_down "
                    << outcomes[error_code::node_down]);
  // Every call ended with its reply or with node_down, nothing else.
  CHECK(outcomes[error_code::node_down] > 0);
  CHECK(outcomes.size() == 2);
  // Once the group knows far is down, calls go to near only.
  for (int i = 0; i < 10; ++i) {
    auto r = client->client().execute("both", "add", R"({"a": 1, "b": 2})");
    REQUIRE(r);
    CHECK(r->result_json == "3");
  }
  for (int pid : workers)
    CHECK(eventually([&] { return process_gone(pid); }, 5000ms));

  // The host comes back on the same port: calls under load reach it.
  server = serve_on_port(config, port);
  await_connected(*client, "far");
  {
    group_load load{*client, 8};
    CHECK(eventually([&] { return dispatched(*client, "far") >= 10; },
                     patience, 50ms));
    auto again = load.finish();
    CHECK(again.size() == 1);
  }
  client.reset();
  check_no_local_workers();
  server->signal(SIGTERM);
  CHECK(server->wait_exit(patience) == 0);
}

TEST_CASE("pool group: round_robin takes the members in turn",
          "[integration][cluster][group]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0, 1)}};
  auto port = start_server(server);
  auto client = start_client(
    group_config(tmp, port, 3, group_strategy::round_robin));
  REQUIRE(client->await_ready().back().failed.code == error_code::none);
  auto near = dispatched(*client, "near");
  auto far = dispatched(*client, "far");
  // One at a time, with far's single worker: still in turn.
  for (int i = 0; i < 10; ++i)
    REQUIRE(client->client().execute("both", "ping", "{}"));
  CHECK(dispatched(*client, "near") - near == 5);
  CHECK(dispatched(*client, "far") - far == 5);
  client.reset();
  check_no_local_workers();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("pool group: a group without any member up answers at once with "
          "node_down naming the members",
          "[integration][cluster][group]") {
  temp_dir tmp;
  // Two remote pools on a port where no host listens.
  auto cfg = client_config(tmp, free_port());
  auto far2 = cfg.remote_pools.front();
  far2.name = "far2";
  cfg.remote_pools.push_back(far2);
  pool_group_config gone;
  gone.name = "gone";
  gone.members = {"far", "far2"};
  gone.status_interval = 100ms;
  cfg.pool_groups.push_back(gone);
  auto client = start_client(cfg);
  auto ready = client->await_ready();
  REQUIRE(ready.size() == 3);
  CHECK(ready[2].failed.code == error_code::node_down);
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    auto r = client->client().execute("gone", "ping", "{}");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == error_code::node_down);
    CHECK_THAT(r.error().message, Catch::Contains("pool group gone"));
    CHECK_THAT(r.error().message, Catch::Contains("far2: node_down"));
  }
  // Not after a timeout: at once (a generous bound on a noisy machine).
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  // A stream likewise, before any chunk.
  execute_request streamed;
  streamed.pool = "gone";
  streamed.command = "count";
  auto reader = client->client().stream(streamed);
  CHECK_FALSE(reader.next());
  REQUIRE_FALSE(reader.outcome());
  CHECK(reader.outcome().error().code == error_code::node_down);
}
