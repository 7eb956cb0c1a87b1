// What goes wrong, and how the host reports it: crashing workers, a full or
// slow queue, slow calls, and pools that cannot start at all.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <future>
#include <map>
#include <set>

#include <unistd.h>

#include "host_fixture.hpp"

using namespace snakepit;
using namespace snakepit::it;
using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

milliseconds since(steady_clock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - t0);
}

std::map<std::string, int> pids_by_worker(const pool_snapshot& st) {
  std::map<std::string, int> out;
  for (const auto& w : st.workers)
    out[w.id] = w.info.pid;
  return out;
}

/// Runs `command` on a background thread of the test.
std::future<execute_reply> exec_async(host_fixture& host, std::string command,
                                      std::string args = "{}") {
  return std::async(std::launch::async,
                    [&host, command = std::move(command),
                     args = std::move(args)] {
                      return host.exec(command, args);
                    });
}

/// A pool that cannot start fails fast (bounded restarts) and leaves no
/// process of its run behind.
pool_snapshot expect_failed_pool(host_fixture& host) {
  auto t0 = steady_clock::now();
  auto st = host.await_ready("", 30000ms);
  INFO("status failure: " << describe(st.failed));
  CHECK(since(t0) < 15000ms);
  CHECK(st.failed.code == error_code::pool_failed);
  CHECK_FALSE(st.all_ready());
  CHECK(st.ready == 0);
  CHECK(contains(st.failed.message, "default"));

  // Requests get the same failure, at once.
  auto t1 = steady_clock::now();
  auto reply = host.exec("ping");
  CHECK(since(t1) < 2000ms);
  CHECK(reply.code() == error_code::pool_failed);
  CHECK(reply.error().message == st.failed.message);
  CHECK(reply.error().python_type == st.failed.python_type);
  CHECK(reply.error().traceback == st.failed.traceback);
  // And so does a later status.
  auto again = host.status();
  CHECK(again.failed.code == error_code::pool_failed);
  CHECK(again.failed.message == st.failed.message);

  // No worker is left; a native pool's fork server stays for the
  // recovery probe's worker.
  CHECK(eventually([&] { return run_workers(host.run_id()).empty(); },
                   5000ms));
  return st;
}

} // namespace

TEST_CASE("crash: the caller gets worker_crashed and the pool refills",
          "[integration][failure]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 2)};
  auto before = host.await_ready();
  REQUIRE(before.all_ready());
  auto old_pids = pids_by_worker(before);
  REQUIRE(old_pids.size() == 2);

  auto t0 = steady_clock::now();
  auto reply = host.exec("crash", R"({"code":7})");
  CHECK(since(t0) < 5000ms);
  INFO("crash reply: " << describe(reply));
  CHECK(reply.code() == error_code::worker_crashed);
  REQUIRE(old_pids.count(reply.error().worker) == 1);
  int crashed_pid = old_pids[reply.error().worker];
  // (What the message says: see the next test.)
  CHECK(eventually([&] { return process_gone(crashed_pid); }));

  // The pool replaces the worker: full size again, with a new process and a
  // new worker id; the survivor is untouched.
  bool refilled = eventually(
    [&] {
      auto st = host.status();
      return st.all_ready() && st.ready == 2
             && pids_by_worker(st).count(reply.error().worker) == 0;
    },
    patience);
  REQUIRE(refilled);
  auto after = host.await_ready();
  CHECK(after.all_ready());
  auto new_pids = pids_by_worker(after);
  REQUIRE(new_pids.size() == 2);
  for (auto& [id, pid] : new_pids) {
    CHECK(pid != crashed_pid);
    CHECK(process_alive(pid));
    if (old_pids.count(id) == 0) {
      CHECK(id == "default/w3");
    } else {
      CHECK(old_pids[id] == pid);
    }
  }
  for (int i = 0; i < 4; ++i) {
    auto ping = host.exec("ping");
    CHECK(ping.ok());
  }
}

// The crash reply carries the worker's own account: its exit code and the
// last lines of its output. That account reaches the pool as
// `worker_exited` from the process watcher, while the gRPC call itself
// fails ("Socket closed") on a gRPC thread and comes back as `call_done`,
// often first; the pool must wait for the account rather than answer with
// gRPC's "worker connection lost". Several rounds, since the order varies.
TEST_CASE("crash: the reply names the exit code and carries the output tail",
          "[integration][failure]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    auto reply = host.exec("crash", R"({"code":7})");
    INFO("crash reply: " << describe(reply));
    CHECK(reply.code() == error_code::worker_crashed);
    CHECK(contains(reply.error().message, "exited with code 7"));
    CHECK(contains(reply.error().message, reply.error().worker));
    CHECK(contains(reply.error().traceback, "snakepit_bridge["));
    CHECK(contains(reply.error().traceback, "starting adapter="));
    REQUIRE(eventually(
      [&] {
        auto st = host.status();
        return st.all_ready() && st.workers.size() == 1
               && st.workers[0].id != reply.error().worker;
      },
      patience));
  }
}

TEST_CASE("saturation: a full queue refuses the next request at once",
          "[integration][queue]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].queue_size = 1;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());

  auto busy = exec_async(host, "sleep", R"({"ms":1500})");
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }, 5000ms,
                     2ms));
  auto waiting = exec_async(host, "add", R"({"a":1,"b":1})");
  REQUIRE(eventually([&] { return host.status().queue_depth == 1; }, 5000ms,
                     2ms));

  auto t0 = steady_clock::now();
  auto refused = host.exec("ping");
  auto took = since(t0);
  INFO("refused reply: " << describe(refused));
  CHECK(refused.code() == error_code::pool_saturated);
  CHECK(contains(refused.error().message, "queue is full"));
  CHECK(took < 500ms);
  CHECK(refused.error().worker.empty());
  // Refused before the sleeping call ended.
  CHECK(busy.wait_for(0ms) == std::future_status::timeout);

  auto first = busy.get();
  CHECK(first.ok());
  auto second = waiting.get();
  INFO("queued reply: " << describe(second));
  REQUIRE(second.ok());
  CHECK(second->result_json == "2");
  CHECK(second->queue_us >= 1000000);
  auto st = host.status();
  CHECK(st.queue_depth == 0);
  CHECK(st.busy_slots == 0);
  CHECK(st.queue_size == 1);
}

TEST_CASE("queue timeout: a request waiting longer than queue_timeout fails",
          "[integration][queue]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].queue_timeout = 200ms;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());

  auto busy = exec_async(host, "sleep", R"({"ms":1500})");
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }, 5000ms,
                     2ms));
  auto t0 = steady_clock::now();
  auto late = host.exec("ping");
  auto took = since(t0);
  INFO("late reply: " << describe(late));
  CHECK(late.code() == error_code::queue_timeout);
  CHECK(contains(late.error().message, "200 ms"));
  CHECK(took >= 180ms);
  CHECK(took < 1200ms);
  CHECK(busy.wait_for(0ms) == std::future_status::timeout);

  CHECK(busy.get().ok());
  // Nothing is left queued, and the worker serves again.
  auto st = host.status();
  CHECK(st.queue_depth == 0);
  CHECK(host.exec("ping").ok());
}

TEST_CASE("request timeout: per request and per pool and the pool answers after",
          "[integration][timeout]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  auto shorter = cfg.pools[0];
  shorter.name = "short";
  shorter.request_timeout = 400ms;
  cfg.pools.push_back(shorter);
  host_fixture host{cfg};
  REQUIRE(host.await_ready("default").all_ready());
  REQUIRE(host.await_ready("short").all_ready());

  // The request's own deadline overrides the pool's 10 s.
  execute_request req;
  req.pool = "default";
  req.command = "sleep";
  req.args_json = R"({"ms":3000})";
  req.timeout = 300ms;
  auto t0 = steady_clock::now();
  auto reply = host.client().execute(req);
  auto took = since(t0);
  INFO("reply: " << describe(reply));
  CHECK(reply.code() == error_code::request_timeout);
  CHECK(contains(reply.error().message, "300 ms"));
  CHECK(reply.error().worker == "default/w1");
  CHECK(took >= 280ms);
  CHECK(took < 2500ms);

  // The pool's request_timeout applies when the request names none.
  auto t1 = steady_clock::now();
  auto pool_default = host.client().execute("short", "sleep", R"({"ms":2000})");
  auto took1 = since(t1);
  INFO("short pool reply: " << describe(pool_default));
  CHECK(pool_default.code() == error_code::request_timeout);
  CHECK(contains(pool_default.error().message, "400 ms"));
  CHECK(took1 >= 380ms);
  CHECK(took1 < 1800ms);

  // Both pools still answer (possibly once their sleeps have ended).
  auto ping = host.client().execute("default", "ping");
  INFO("ping: " << describe(ping));
  CHECK(ping.ok());
  execute_request slow_ok;
  slow_ok.pool = "short";
  slow_ok.command = "add";
  slow_ok.args_json = R"({"a":1,"b":2})";
  slow_ok.timeout = 10000ms;
  auto add = host.client().execute(slow_ok);
  INFO("add: " << describe(add));
  CHECK(add->result_json == "3");
  CHECK(host.status("default").busy_slots == 0);
  CHECK(host.status("short").busy_slots == 0);
}

TEST_CASE("startup failure: an adapter that cannot be imported fails the pool",
          "[integration][startup]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].adapter
    = "snakepit_test_adapters.import_error.ImportErrorAdapter";
  cfg.pools[0].max_restarts = 2;
  cfg.pools[0].recovery_backoff = milliseconds::max(); // stays failed
  cfg.pools[0].restart_backoff = 50ms;
  host_fixture host{cfg};
  auto st = expect_failed_pool(host);
  CHECK(st.failed.python_type == "ImportError");
  CHECK(contains(st.failed.message, "simulated import failure"));
  CHECK(contains(st.failed.traceback, "Traceback"));
  CHECK(contains(st.failed.traceback, "import_error.py"));
}

TEST_CASE("startup failure: an adapter whose constructor raises fails the pool",
          "[integration][startup]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  cfg.pools[0].adapter
    = "snakepit_test_adapters.init_error.InitErrorAdapter";
  cfg.pools[0].max_restarts = 2;
  cfg.pools[0].recovery_backoff = milliseconds::max(); // stays failed
  cfg.pools[0].restart_backoff = 50ms;
  host_fixture host{cfg};
  auto st = expect_failed_pool(host);
  CHECK(st.failed.python_type == "RuntimeError");
  CHECK(contains(st.failed.message, "simulated init failure"));
  CHECK(contains(st.failed.traceback, "Traceback"));
  CHECK(contains(st.failed.traceback, "init_error.py"));
}

TEST_CASE("startup failure: a missing interpreter fails the pool naming it",
          "[integration][startup]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].python = "/nonexistent/python3";
  cfg.pools[0].max_restarts = 2;
  cfg.pools[0].recovery_backoff = milliseconds::max(); // stays failed
  cfg.pools[0].restart_backoff = 50ms;
  host_fixture host{cfg};
  auto st = expect_failed_pool(host);
  CHECK(contains(st.failed.message + st.failed.traceback,
                 "/nonexistent/python3"));
}

TEST_CASE("startup failure: an interpreter without the transport's "
          "package (grpc, protobuf) fails the pool",
          "[integration][startup]") {
  const std::string shim = "/root/.pyenv/shims/python3";
  if (!path_exists(shim)) {
    WARN("skipped: " << shim << " does not exist");
    return;
  }
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].python = shim;
  cfg.pools[0].max_restarts = 2;
  cfg.pools[0].recovery_backoff = milliseconds::max(); // stays failed
  cfg.pools[0].restart_backoff = 50ms;
  host_fixture host{cfg};
  auto st = expect_failed_pool(host);
  // The pyenv interpreter has neither.
  auto needed = cfg.pools[0].transport == worker_transport::grpc
                  ? "cannot import grpc"
                  : "cannot import google.protobuf";
  CHECK(contains(st.failed.message + "\n" + st.failed.traceback, needed));
}
