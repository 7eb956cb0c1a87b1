// The fork server through a real host and pool: preloads that fail and
// succeed, each forked worker's identity and environment, and pools that
// start their workers without one (fork_server = false, gRPC).
// (Killing the fork server, recycles and crashes: fork_server_failure_test.)

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <set>

#include <unistd.h>

#include "calls.hpp"
#include "fork_checks.hpp"

using namespace snakepit;
using namespace snakepit::it;
using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

constexpr const char* identity_adapter
  = "snakepit_test_adapters.identity.IdentityAdapter";

/// The argument that follows `flag` in `args`; empty if none.
std::string argument_after(const json& args, const std::string& flag) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == flag)
      return args[i + 1].get<std::string>();
  return {};
}

} // namespace

TEST_CASE("fork server: a preload that fails at import fails the pool fast "
          "with the traceback and leaves no process",
          "[integration][fork_server]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  auto& pool = cfg.pools[0];
  if (skipped_without_fork_server(cfg))
    return;
  pool.adapter = "snakepit_test_adapters.import_error.ImportErrorAdapter";
  pool.preload = true;
  pool.max_restarts = 2;
  pool.recovery_backoff = milliseconds::max(); // stays failed
  pool.restart_backoff = milliseconds{50};
  captured_log log;
  host_fixture host{cfg};

  auto t0 = steady_clock::now();
  auto st = host.await_ready("", milliseconds{30000});
  INFO("status failure: " << describe(st.failed));
  CHECK(steady_clock::now() - t0 < milliseconds{15000});
  CHECK(st.failed.code == error_code::pool_failed);
  CHECK(st.ready == 0);
  CHECK(st.failed.python_type == "ImportError");
  CHECK(contains(st.failed.message, "simulated import failure"));
  CHECK(contains(st.failed.traceback, "Traceback"));
  CHECK(contains(st.failed.traceback, "import_error.py"));
  // The fork server said why it gave up, with its own traceback.
  INFO(log.text());
  CHECK_FALSE(log.matching({"preload failed", "simulated import failure"})
                .empty());
  // Neither a worker nor the fork server is left (none is started again).
  CHECK(eventually([&] { return run_processes(host.run_id()).empty(); }));
  CHECK(fork_servers_of(::getpid()).empty());
  CHECK(host.exec("ping").code() == error_code::pool_failed);
}

TEST_CASE("fork server: with a preload that succeeds the workers are its "
          "forks and serve",
          "[integration][fork_server]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  auto& pool = cfg.pools[0];
  if (skipped_without_fork_server(cfg))
    return;
  pool.preload = true;
  captured_log log;
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  INFO(log.text());
  CHECK_FALSE(log.matching({"fork server is ready (preloaded: yes)"}).empty());
  int server = only_fork_server();
  auto server_args = proc_args(server);
  CHECK(std::count(server_args.begin(), server_args.end(), "--preload") == 1);
  for (int pid : worker_pids(st)) {
    INFO("worker pid " << pid);
    CHECK(fork_server_of(pid) == server);
  }
  for (int i = 0; i < 4; ++i) {
    auto reply = host.exec("add", R"({"a":2,"b":3})");
    INFO(describe(reply));
    REQUIRE(reply.ok());
    CHECK(reply->result_json == "5");
  }
}

TEST_CASE("fork server: each forked worker has its own pid, process group, "
          "arguments and the pool's environment",
          "[integration][fork_server]") {
  temp_dir tmp;
  constexpr int size = 3;
  auto cfg = make_config(tmp / "run", size);
  auto& pool = cfg.pools[0];
  if (skipped_without_fork_server(cfg))
    return;
  pool.adapter = identity_adapter;
  pool.env["SNAKEPIT_IT_MARK"] = "pool-env";
  captured_log log;
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  int server = only_fork_server();
  std::map<std::string, int> pid_of;
  for (const auto& w : st.workers)
    pid_of[w.id] = w.info.pid;

  // Side by side, so that each worker (one slot each) takes one call.
  json args{{"names", {"SNAKEPIT_IT_MARK", "SNAKEPIT_HOST_PID",
                       "PYTHONUNBUFFERED"}},
            {"ms", 400}};
  std::vector<std::future<execute_reply>> calls;
  for (int i = 0; i < size; ++i)
    calls.push_back(exec_async(host, make_request("", "identity",
                                                  args.dump())));
  std::set<int> pids;
  std::set<std::string> sockets;
  for (auto& call : calls) {
    auto reply = call.get();
    auto r = result_of(reply);
    INFO(reply->worker << ": " << r.dump());
    int pid = r.at("pid").get<int>();
    pids.insert(pid);
    // The pid the pool knows is the process that answers, forked by the
    // pool's fork server, in a process group of its own.
    CHECK(pid_of.at(reply->worker) == pid);
    CHECK(pid != server);
    CHECK(r.at("ppid").get<int>() == server);
    CHECK(r.at("pgid").get<int>() == pid);
    // Its own command line: the worker's arguments, not the fork server's,
    // with the socket of its worker id ("default/w2": w2-default.sock).
    const auto& argv = r.at("argv");
    auto socket = argument_after(argv, "--socket");
    auto key = reply->worker.substr(reply->worker.rfind("/w") + 2);
    CHECK(contains(socket, "/w" + key + "-default.sock"));
    CHECK(argument_after(argv, "--snakepit-run-id") == host.run_id());
    CHECK(argument_after(argv, "--control-fd").empty());
    sockets.insert(socket);
    // The pool's environment, and the host to watch.
    const auto& env = r.at("env");
    CHECK(env.at("SNAKEPIT_IT_MARK") == "pool-env");
    CHECK(env.at("PYTHONUNBUFFERED") == "1");
    CHECK(env.at("SNAKEPIT_HOST_PID") == std::to_string(::getpid()));
    // Its output reaches the host's log under its own tag.
    CHECK_FALSE(log
                  .matching({"[" + reply->worker + "] snakepit_bridge["
                             + std::to_string(pid) + "] ready"})
                  .empty());
  }
  CHECK(pids.size() == static_cast<size_t>(size));
  CHECK(sockets.size() == static_cast<size_t>(size));
  CHECK(fork_servers_of(::getpid()) == std::vector<int>{server});
}

TEST_CASE("fork server: each pool has its own, and its workers get their "
          "pool's environment",
          "[integration][fork_server]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  if (skipped_without_fork_server(cfg))
    return;
  cfg.pools[0].adapter = identity_adapter;
  auto other = derive_pool(cfg.pools[0], "other", worker_profile::process, 1);
  cfg.pools[0].env["SNAKEPIT_IT_MARK"] = "default";
  other.env["SNAKEPIT_IT_MARK"] = "other";
  cfg.pools.push_back(other);
  host_fixture host{cfg};
  REQUIRE(host.await_ready("default").all_ready());
  REQUIRE(host.await_ready("other").all_ready());
  auto servers = fork_servers_of(::getpid());
  REQUIRE(servers.size() == 2);
  std::set<int> parents;
  for (std::string name : {"default", "other"}) {
    auto reply = host.client().execute(make_request(
      name, "identity", R"({"names":["SNAKEPIT_IT_MARK"]})"));
    auto r = result_of(reply);
    INFO(name << ": " << r.dump());
    CHECK(r.at("env").at("SNAKEPIT_IT_MARK") == name);
    int parent = r.at("ppid").get<int>();
    CHECK(std::count(servers.begin(), servers.end(), parent) == 1);
    parents.insert(parent);
  }
  CHECK(parents.size() == 2);
}

// On gRPC a pool never forks (fork_server is on by default and ignored);
// on the native transport, fork_server = false turns it off.
TEST_CASE("fork server: without one (fork_server = false or gRPC) the "
          "workers are children of the host",
          "[integration][fork_server]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  if (cfg.pools[0].transport == worker_transport::native)
    cfg.pools[0].fork_server = false;
  REQUIRE_FALSE(uses_fork_server(cfg.pools[0]));
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  for (int pid : worker_pids(st)) {
    INFO("worker pid " << pid);
    CHECK(proc_ppid(pid) == ::getpid());
  }
  CHECK(fork_servers_of(::getpid()).empty());
  CHECK(host.exec("ping").ok());
}
