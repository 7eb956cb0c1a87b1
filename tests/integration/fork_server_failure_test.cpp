// Forked workers through a real host and pool when things end: the fork
// server SIGKILLed under load, recycles, and workers that crash or are
// killed (their status comes from the fork server, the host cannot reap a
// grandchild).

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <set>
#include <thread>

#include <unistd.h>

#include "calls.hpp"
#include "echo_load.hpp"
#include "fork_checks.hpp"
#include "event_log.hpp"

using namespace snakepit;
using namespace snakepit::it;
using json = nlohmann::json;
using std::chrono::milliseconds;
namespace tel = snakepit::telemetry;

namespace {

/// Waits until the pool is ready at full size with none of the workers of
/// `old` left, and returns its status.
pool_snapshot await_new_workers(host_fixture& host, const pool_snapshot& old) {
  std::set<std::string> old_ids;
  for (const auto& w : old.workers)
    old_ids.insert(w.id);
  auto renewed = [&](const pool_snapshot& st) {
    if (!st.all_ready() || st.workers.size() != old.workers.size())
      return false;
    for (const auto& w : st.workers)
      if (old_ids.count(w.id) != 0)
        return false;
    return true;
  };
  REQUIRE(eventually([&] { return renewed(host.status()); }, patience));
  return host.status();
}

} // namespace

TEST_CASE("fork server: SIGKILLed under load, its workers die with it, "
          "every call is answered once and a new fork server follows",
          "[integration][fork_server]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  auto& pool = cfg.pools[0];
  if (skipped_without_fork_server(cfg))
    return;
  pool.max_restarts = 10; // two crashes at once, and their replacements
  captured_log log;
  host_fixture host{cfg};
  event_log events{host.system()};
  auto before = host.await_ready();
  REQUIRE(before.all_ready());
  const int old_server = only_fork_server();
  check_forked_by(before, old_server);

  constexpr int callers = 4;
  echo_load load{host, {callers, milliseconds{2}, true}};
  REQUIRE(eventually([&] { return load.served >= 50; }, patience));
  REQUIRE(::kill(old_server, SIGKILL) == 0);
  // Its workers die with it (their parent-death signal).
  for (int pid : worker_pids(before)) {
    INFO("worker pid " << pid);
    CHECK(eventually([&] { return process_gone(pid); }));
  }
  auto after = await_new_workers(host, before);
  // The replacements started the plain way while the fork server was
  // backing off, or from a new one if their start came later.
  for (const auto& w : after.workers) {
    INFO(w.id << " pid " << w.info.pid);
    auto parent = proc_ppid(w.info.pid);
    CHECK((parent == ::getpid()
           || (fork_server_of(w.info.pid) && parent != old_server)));
  }
  // And they serve under the same load.
  int served_then = load.served;
  CHECK(eventually([&] { return load.served >= served_then + 50; },
                   patience));
  load.stop();
  INFO("sent " << load.sent << ", served " << load.served << ", crashed "
               << load.crashed);
  // Idempotent calls were run again; the others in flight on the dead
  // workers got worker_crashed.
  CHECK(load.wrong == 0);
  CHECK(load.served + load.crashed == load.sent);
  // Each call was answered once: one request.executed each.
  CHECK(each_answered_once(events, load));
  CHECK_FALSE(log.matching({"fork server", "killed by signal 9"}).empty());

  // Past its back-off (250 ms), the next starts bring a new fork server.
  std::this_thread::sleep_for(milliseconds{400});
  REQUIRE(host.client().recycle("default").ok());
  auto renewed = await_new_workers(host, after);
  const int new_server = only_fork_server();
  CHECK(new_server != old_server);
  check_forked_by(renewed, new_server);
  CHECK(host.exec("ping").ok());
  // No orphan: the run is the pool's workers and its one fork server.
  auto expected = worker_pids(renewed);
  expected.push_back(new_server);
  CHECK(eventually([&] {
    auto running = run_processes(host.run_id());
    return std::set<int>(running.begin(), running.end())
           == std::set<int>(expected.begin(), expected.end());
  }));
  events.cancel();
  host.stop();
  CHECK(run_processes(host.run_id()).empty());
  CHECK(python_workers_of(::getpid()).empty());
}

TEST_CASE("fork server: a recycled worker is replaced by a fork",
          "[integration][fork_server]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  if (skipped_without_fork_server(cfg))
    return;
  host_fixture host{cfg};
  auto before = host.await_ready();
  REQUIRE(before.all_ready());
  const int server = only_fork_server();
  REQUIRE(host.client().recycle("default").ok());
  auto after = await_new_workers(host, before);
  // The same fork server forked the replacements; the old workers are
  // gone (reaped by it, not left as zombies).
  check_forked_by(after, server);
  CHECK(fork_servers_of(::getpid()) == std::vector<int>{server});
  for (int pid : worker_pids(before)) {
    INFO("old worker pid " << pid);
    CHECK(eventually([&] { return !proc_state(pid).has_value(); }));
  }
  CHECK(host.exec("ping").ok());
}

TEST_CASE("fork server: a forked worker that exits or is killed is reported "
          "with its status and replaced by a fork",
          "[integration][fork_server]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  if (skipped_without_fork_server(cfg))
    return;
  host_fixture host{cfg};
  auto first = host.await_ready();
  REQUIRE(first.all_ready());
  const int server = only_fork_server();
  check_forked_by(first, server);

  // An exit code, as the fork server reaped it.
  auto crash = host.exec("crash", R"({"code":7})");
  INFO("crash reply: " << describe(crash));
  CHECK(crash.code() == error_code::worker_crashed);
  CHECK(contains(crash.error().message, "exited with code 7"));
  auto second = await_new_workers(host, first);
  check_forked_by(second, server);

  // A signal from outside, in the middle of a call.
  int victim = second.workers.at(0).info.pid;
  auto call = exec_async(host, make_request("", "sleep", sleep_args(5000)));
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }));
  REQUIRE(::kill(victim, SIGKILL) == 0);
  auto killed = call.get();
  INFO("killed reply: " << describe(killed));
  CHECK(killed.code() == error_code::worker_crashed);
  CHECK(contains(killed.error().message, "killed by signal 9 (SIGKILL)"));
  auto third = await_new_workers(host, second);
  check_forked_by(third, server);
  CHECK(host.exec("ping").ok());
}

// Killed as soon as it appears, most often before it is ready: the starts
// it holds go the plain way (or, if it forked already, its workers die and
// are replaced); either way the pool comes up.
TEST_CASE("fork server: SIGKILLed while the pool starts, the pool still "
          "gets ready",
          "[integration][fork_server]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  if (skipped_without_fork_server(cfg))
    return;
  cfg.pools[0].max_restarts = 10;
  host_fixture host{cfg};
  std::vector<int> servers;
  REQUIRE(eventually(
    [&] {
      servers = fork_servers_of(::getpid());
      return !servers.empty();
    },
    patience, milliseconds{2}));
  REQUIRE(::kill(servers.front(), SIGKILL) == 0);
  auto st = host.await_ready();
  INFO("status failure: " << describe(st.failed));
  REQUIRE(st.all_ready());
  CHECK(st.ready == 2);
  for (int pid : worker_pids(st)) {
    INFO("worker pid " << pid);
    CHECK(host_of(pid) == ::getpid());
    CHECK(proc_ppid(pid) != servers.front());
  }
  CHECK(host.exec("ping").ok());
}
