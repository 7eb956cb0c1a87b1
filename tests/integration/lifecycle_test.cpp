// A host's life: start-up progress, clean shutdown, and reaping the orphans
// that a crashed earlier host left behind.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <cstdlib>

#include <sys/stat.h>
#include <unistd.h>

#include "host_fixture.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

milliseconds since(steady_clock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - t0);
}

/// Starts `cpu_burn` of `ms` on a host whose one worker is `pid` and
/// returns once the call surely runs inside Python: the worker has burnt
/// CPU (an OS fact we can watch; there is no event for it).
std::future<execute_reply> burn_in_python(host_fixture& host, int pid,
                                          int ms) {
  auto cpu_before = proc_cpu_ticks(pid);
  REQUIRE(cpu_before.has_value());
  auto call = std::async(std::launch::async, [&host, ms] {
    return host.exec("cpu_burn", "{\"ms\":" + std::to_string(ms) + "}");
  });
  REQUIRE(eventually(
    [&] {
      auto now = proc_cpu_ticks(pid);
      // 30 ms of CPU at 100 Hz; an idle worker uses none.
      return now && *now >= *cpu_before + 3;
    },
    10000ms, 5ms));
  return call;
}

} // namespace

TEST_CASE("startup: workers report ready one by one with startup_concurrency 1",
          "[integration][lifecycle]") {
  captured_log log;
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 3);
  cfg.pools[0].name = "prog";
  cfg.pools[0].startup_concurrency = 1;
  {
    host_fixture host{cfg};
    auto st = host.await_ready();
    REQUIRE(st.all_ready());
    CHECK(st.ready == 3);
    CHECK(st.workers.size() == 3);
    std::set<int> pids;
    for (auto pid : worker_pids(st))
      pids.insert(pid);
    CHECK(pids.size() == 3);
  }
  auto text = log.text();
  INFO("log:\n" << text);
  auto starting = text.find("pool prog: starting 3 workers");
  auto one = text.find("pool prog: 1/3 workers ready");
  auto two = text.find("pool prog: 2/3 workers ready");
  auto three = text.find("pool prog: 3/3 workers ready");
  REQUIRE(starting != std::string::npos);
  REQUIRE(one != std::string::npos);
  REQUIRE(two != std::string::npos);
  REQUIRE(three != std::string::npos);
  CHECK(starting < one);
  CHECK(one < two);
  CHECK(two < three);
  // Each count appears once.
  CHECK(text.find("pool prog: 1/3 workers ready", one + 1) == std::string::npos);
  CHECK(text.find("pool prog: 3/3 workers ready", three + 1)
        == std::string::npos);
}

TEST_CASE("shutdown: stopping the host leaves no process and no run directory",
          "[integration][lifecycle]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 2)};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  auto pids = worker_pids(st);
  REQUIRE(pids.size() == 2);
  for (int pid : pids)
    REQUIRE(process_alive(pid));
  auto run_id = host.run_id();
  auto run_path = host.run_path();
  REQUIRE(path_exists(run_path));
  REQUIRE(path_exists(run_path + "/host.lock"));
  {
    // The run's processes are its workers, and the fork server of a
    // native pool.
    std::set<int> by_id;
    for (int pid : run_workers(run_id))
      by_id.insert(pid);
    CHECK(by_id == std::set<int>(pids.begin(), pids.end()));
  }

  auto t0 = steady_clock::now();
  host.stop();
  CHECK(since(t0) < 8000ms);
  // The runtime reaped every worker before stop() returned.
  for (int pid : pids) {
    INFO("worker pid " << pid);
    CHECK(process_gone(pid));
  }
  CHECK(run_processes(run_id).empty());
  CHECK_FALSE(path_exists(run_path));
  // The base stays, empty.
  CHECK(path_exists(tmp / "run"));
  CHECK(std::filesystem::is_empty(tmp / "run"));
  host.stop(); // idempotent
}

TEST_CASE("shutdown: a call in flight gets its reply and then everything stops",
          "[integration][lifecycle]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  auto pids = worker_pids(st);
  REQUIRE(pids.size() == 1);
  const int worker = pids[0];
  auto inflight = burn_in_python(host, worker, 1200);
  REQUIRE(inflight.wait_for(0ms) == std::future_status::timeout);
  host.stop();
  REQUIRE(inflight.wait_for(0ms) == std::future_status::ready);
  auto reply = inflight.get();
  INFO("in-flight reply: " << describe(reply));
  // The worker's grace lets the call finish; at worst it is cut short as
  // part of the shutdown. Either way the caller hears exactly that.
  CHECK((reply.ok() || reply.code() == error_code::shutting_down));
  CHECK(process_gone(worker));
  CHECK_FALSE(path_exists(host.run_path()));
}

// A stop takes as long as the calls in flight need, bounded by the pool's
// shutdown_timeout: the Python worker used to cut calls at a fixed 2 s
// after SIGTERM, whatever the pool's grace (and with a client connection
// open, gRPC's server.stop(grace) took the whole 2 s even when idle; see
// python/tests/test_worker_process.py). Here the grace is 10 s and the call
// needs less than 2.5 s more.
TEST_CASE("shutdown: a call in flight may take the pool's shutdown_timeout, "
          "and the stop takes what it needs",
          "[integration][lifecycle]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].shutdown_timeout = 10000ms;
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  // Running inside Python (a call still on its way is refused by a worker
  // that is stopping: see the next test).
  auto inflight = burn_in_python(host, st.workers.at(0).info.pid, 2500);
  auto t0 = steady_clock::now();
  host.stop();
  auto took = since(t0);
  auto reply = inflight.get();
  INFO("stop took " << took.count() << " ms; reply: "
                    << describe(reply));
  // Answered by Python (the gRPC reply reaches the pool before the news
  // that the process, which waited for that reply to leave, has exited).
  CHECK(reply.ok());
  CHECK(took < 8000ms);
}

// A call dispatched just as the host stops must get shutting_down, not
// worker_crashed: no worker crashed, it was being stopped on purpose. (The
// gRPC failure, "Socket closed" or "failed to connect", reaches the pool
// first as call_done; the pool must name the cause it knows.) The first call
// of a worker, whose channel connects lazily, widens the window; rounds
// repeat it.
TEST_CASE("shutdown: a call dispatched as the host stops is not reported as "
          "a crash",
          "[integration][lifecycle]") {
  std::map<std::string, int> outcomes;
  for (int round = 0; round < 10; ++round) {
    temp_dir tmp;
    host_fixture host{make_config(tmp / "run", 1)};
    REQUIRE(host.await_ready().all_ready());
    auto inflight = std::async(std::launch::async, [&] {
      return host.exec("sleep", R"({"ms":300})");
    });
    REQUIRE(eventually([&] { return host.status().busy_slots == 1; }, 5000ms,
                       1ms));
    host.stop();
    auto reply = inflight.get();
    auto key = to_string(reply.code());
    if (reply.code() == error_code::worker_crashed)
      key += " (" + reply.error().message + ")";
    ++outcomes[key];
  }
  std::string summary;
  for (auto& [what, n] : outcomes)
    summary += std::to_string(n) + " x " + what + "\n";
  INFO("replies:\n" << summary);
  for (auto& [what, n] : outcomes)
    CHECK((what == "none" || what == "shutting_down"));
}

TEST_CASE("orphans: a new host kills the processes of a dead run but not of "
          "a live one",
          "[integration][lifecycle][orphans]") {
  temp_dir tmp;
  const auto base = tmp / "run";
  const std::string dead_id = "deadbeef0001";

  // A live host on the same base: its lock is held.
  host_fixture live{make_config(base, 1)};
  REQUIRE(live.await_ready().all_ready());
  auto live_workers = worker_pids(live.status());

  // The remains of a crashed host: an unlocked run directory and a process
  // carrying its run id, in its own session as workers are.
  REQUIRE(::mkdir((base + "/" + dead_id).c_str(), 0700) == 0);
  write_file(base + "/" + dead_id + "/host.lock", "");
  child_process orphan{{"/bin/sh", "-c", "sleep 300; :", "sh",
                        "--snakepit-run-id", dead_id},
                       true};
  // A process carrying the live host's run id must survive.
  child_process decoy{{"/bin/sh", "-c", "sleep 300; :", "sh",
                       "--snakepit-run-id", live.run_id()},
                      true};
  REQUIRE(eventually([&] {
    return run_processes(dead_id) == std::vector<int>{orphan.pid()};
  }));
  REQUIRE(eventually([&] {
    auto procs = run_processes(live.run_id());
    return std::find(procs.begin(), procs.end(), decoy.pid()) != procs.end();
  }));
  // The orphan's child (sleep) shares its process group.
  int orphan_sleep = 0;
  REQUIRE(eventually([&] {
    auto kids = children_of(orphan.pid());
    if (kids.size() != 1)
      return false;
    orphan_sleep = kids[0];
    return true;
  }));

  host_fixture second{make_config(base, 1)};
  CHECK(second.run_id() != live.run_id());
  CHECK(second.run_id() != dead_id);
  // Reaping happens while the runtime is created.
  CHECK(eventually([&] { return process_gone(orphan.pid()); }));
  CHECK(eventually([&] { return process_gone(orphan_sleep); }));
  CHECK(run_processes(dead_id).empty());
  CHECK_FALSE(path_exists(base + "/" + dead_id));

  // The live run is untouched: its decoy, its worker, its directory.
  CHECK(process_alive(decoy.pid()));
  for (int pid : live_workers)
    CHECK(process_alive(pid));
  CHECK(path_exists(live.run_path()));
  CHECK(live.exec("ping").ok());
  REQUIRE(second.await_ready().all_ready());
  CHECK(second.exec("ping").ok());
}

// Helper of the next test, run in a child process: a one-worker host whose
// worker crashes twice (with a refill after each crash), then stops with a
// call in flight.
TEST_CASE("helper: one-worker host crashes and stops with a call in flight",
          "[.helper]") {
  // The parent test passes its own temp dir: an aborted helper cannot
  // clean up after itself.
  const char* parent_tmp = std::getenv("SNAKEPIT_IT_HELPER_DIR");
  REQUIRE(parent_tmp != nullptr);
  host_fixture host{make_config(std::string{parent_tmp} + "/run", 1)};
  REQUIRE(host.await_ready().all_ready());
  for (int round = 0; round < 2; ++round) {
    auto reply = host.exec("crash", R"({"code":7})");
    CHECK(reply.code() == error_code::worker_crashed);
    REQUIRE(eventually(
      [&] {
        auto st = host.status();
        return st.all_ready() && st.workers.size() == 1
               && st.workers[0].id != reply.error().worker;
      },
      patience));
  }
  auto inflight = std::async(std::launch::async,
                             [&] { return host.exec("sleep", R"({"ms":300})"); });
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }, 5000ms,
                     2ms));
  host.stop();
  inflight.get();
}

// The host process must not abort. It used to: a worker's channel was
// released (worker_actor.cpp `stop`) while a gRPC callback still held the
// call state, which kept the last reference to the grpc::Channel; the
// callback then destroyed the channel on gRPC 1.51's CallbackAlternativeCQ
// thread, which, the channel being the last one, tore that queue down from
// its own thread: "assertion failed: prior > 0" and SIGABRT (grpc/grpc#37858,
// grpc/grpc#32584). It runs in child processes so that an abort fails this
// test instead of killing the test binary.
TEST_CASE("host survives a worker crash and a stop with a call in flight "
          "in a child process",
          "[integration][lifecycle]") {
  auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  temp_dir tmp;
  ::setenv("SNAKEPIT_IT_HELPER_DIR", tmp.path().c_str(), 1);
  int aborted = 0;
  for (int run = 0; run < 6; ++run) {
    auto r = run_command({self, "helper: one-worker host crashes and stops "
                                "with a call in flight"});
    INFO("run " << run << ": exit " << r.exit_code << "\n" << r.err);
    CHECK(r.exit_code == 0);
    if (r.exit_code != 0)
      ++aborted;
  }
  CHECK(aborted == 0);
}
