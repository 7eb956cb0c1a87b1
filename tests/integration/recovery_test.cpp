// Pools that recover: crashes of serving workers never fail a pool, a pool
// whose workers cannot start fails fast and then comes back by itself (or
// by hand) once the cause is gone, and calls in flight get one precise
// answer each.

#include <catch2/catch.hpp>

#include <atomic>
#include <map>

#include <signal.h>

#include "calls.hpp"
#include "event_log.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

const std::string flaky_adapter
  = "snakepit_test_adapters.flaky_start.FlakyStartAdapter";

milliseconds since(steady_clock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - t0);
}

/// The default restart budget and backoff (what a user gets).
void default_budget(pool_config& pool) {
  pool_config defaults;
  pool.max_restarts = defaults.max_restarts;
  pool.restart_period = defaults.restart_period;
  pool.restart_backoff = defaults.restart_backoff;
  pool.restart_backoff_max = defaults.restart_backoff_max;
}

/// A pool of the flaky adapter: its first `failing_starts` starts fail, and
/// every start fails while the file `broken_flag` exists.
host_config flaky_config(const temp_dir& tmp, int size, int failing_starts) {
  auto cfg = make_config(tmp / "run", size);
  auto& pool = cfg.pools[0];
  pool.adapter = flaky_adapter;
  pool.env["SNAKEPIT_TEST_START_LOG"] = tmp / "starts";
  pool.env["SNAKEPIT_TEST_FAILING_STARTS"] = std::to_string(failing_starts);
  pool.env["SNAKEPIT_TEST_BROKEN_FLAG"] = tmp / "broken";
  pool.max_restarts = 1;
  return cfg;
}

/// SIGKILLs a ready worker every 1.5 s for `length` (round robin), with a
/// caller pinging throughout, and checks that the pool never fails and is
/// back to full strength soon after.
void crash_storm(milliseconds length) {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 3);
  default_budget(cfg.pools[0]);
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());

  std::atomic<bool> done{false};
  auto caller = std::async(std::launch::async, [&] {
    std::map<error_code, int> outcomes;
    while (!done) {
      ++outcomes[host.exec("ping").code()];
      std::this_thread::sleep_for(20ms);
    }
    return outcomes;
  });
  int kills = 0;
  size_t next = 0;
  bool failed = false;
  auto t0 = steady_clock::now();
  while (since(t0) < length && !failed) {
    auto st = host.status();
    if (!st.workers.empty()) {
      ::kill(st.workers[next++ % st.workers.size()].info.pid, SIGKILL);
      ++kills;
    }
    auto until = steady_clock::now() + 1500ms;
    while (steady_clock::now() < until && !failed) {
      auto now = host.status();
      INFO("pool failed: " << describe(now.failed));
      failed = now.failed.code != error_code::none;
      std::this_thread::sleep_for(50ms);
    }
  }
  done = true;
  auto outcomes = caller.get();
  CHECK_FALSE(failed);
  CHECK(kills >= static_cast<int>(length / 1500ms) - 1);
  CHECK(outcomes[error_code::pool_failed] == 0);
  CHECK(outcomes[error_code::none] > 0);
  CHECK(eventually(
    [&] {
      auto st = host.status();
      return st.all_ready() && st.ready == 3;
    },
    15000ms, 50ms));
  CHECK(host.exec("ping").ok());
}

/// Waits until a call runs on a worker of the pool; returns that worker.
worker_snapshot busy_worker(host_fixture& host) {
  worker_snapshot out;
  REQUIRE(eventually(
    [&] {
      for (const auto& w : host.status().workers)
        if (w.busy > 0) {
          out = w;
          return true;
        }
      return false;
    },
    10000ms, 2ms));
  return out;
}

} // namespace

// One kill every 1.5 s for 15 s (the issue's storm is 60 s: see the hidden
// test below, run with `test_integration "[long]"`).
TEST_CASE("crash storm: SIGKILLed serving workers never fail the pool",
          "[integration][recovery]") {
  crash_storm(15000ms);
}

TEST_CASE("crash storm, long: one SIGKILL every 1.5 s for 60 s",
          "[.][long][integration][recovery]") {
  crash_storm(60000ms);
}

TEST_CASE("recovery: a broken adapter fails fast with its traceback, under "
          "the default budget, and its probes keep failing",
          "[integration][recovery]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  cfg.pools[0].adapter
    = "snakepit_test_adapters.import_error.ImportErrorAdapter";
  default_budget(cfg.pools[0]);
  cfg.pools[0].recovery_backoff = 300ms;
  host_fixture host{cfg};
  auto t0 = steady_clock::now();
  auto st = host.await_ready("", 30000ms);
  CHECK(since(t0) < 15000ms);
  INFO("failure: " << describe(st.failed));
  REQUIRE(st.failed.code == error_code::pool_failed);
  CHECK(contains(st.failed.message, "gave up"));
  CHECK(st.failed.python_type == "ImportError");
  CHECK(contains(st.failed.traceback, "import_error.py"));
  // A probe runs and fails: the failure is the probe's now, just as
  // precise, and requests keep getting it at once.
  REQUIRE(eventually(
    [&] { return !contains(host.status().failed.message, "gave up"); },
    10000ms));
  auto later = host.status().failed;
  CHECK(later.code == error_code::pool_failed);
  CHECK(later.python_type == "ImportError");
  CHECK(contains(later.message, "simulated import failure"));
  CHECK(contains(later.traceback, "import_error.py"));
  auto t1 = steady_clock::now();
  auto reply = host.exec("ping");
  CHECK(since(t1) < 2000ms);
  CHECK(reply.code() == error_code::pool_failed);
  CHECK(reply.error().python_type == "ImportError");
}

TEST_CASE("recovery: a failed pool comes back by itself once its starts "
          "work again",
          "[integration][recovery]") {
  temp_dir tmp;
  auto cfg = flaky_config(tmp, 2, 4);
  cfg.pools[0].recovery_backoff = 200ms;
  cfg.pools[0].recovery_backoff_max = 1000ms;
  host_fixture host{cfg};
  event_log events{host.system()};
  auto st = host.await_ready("", 30000ms);
  INFO("first status: " << describe(st.failed));
  REQUIRE(st.failed.code == error_code::pool_failed);
  CHECK(contains(st.failed.message, "simulated start failure"));
  CHECK(contains(st.failed.traceback, "flaky_start.py"));

  REQUIRE(eventually(
    [&] {
      auto now = host.status();
      return now.all_ready() && now.ready == 2;
    },
    30000ms, 50ms));
  auto ping = host.exec("ping");
  INFO("ping: " << describe(ping));
  CHECK(ping.ok());
  // Only starts after the failing ones serve.
  CHECK(result_of(host.exec("start_number")).get<int>() > 4);

  auto failed = events.of<telemetry::pool_failed>();
  auto recovered = events.of<telemetry::pool_recovered>();
  REQUIRE(failed.size() == 1);
  REQUIRE(recovered.size() == 1);
  CHECK(failed[0].pool == "default");
  CHECK(failed[0].retry_in == std::chrono::milliseconds{200});
  CHECK(recovered[0].trigger == "probe");
  CHECK(recovered[0].attempts >= 1);
  CHECK(recovered[0].downtime > caf::timespan{0});
}

TEST_CASE("recovery: a manual restart brings a failed pool back at once, "
          "and a serving pool is left alone",
          "[integration][recovery]") {
  temp_dir tmp;
  auto cfg = flaky_config(tmp, 1, 2);
  cfg.pools[0].recovery_backoff = milliseconds::max(); // by hand only
  host_fixture host{cfg};
  event_log events{host.system()};
  auto st = host.await_ready("", 30000ms);
  REQUIRE(st.failed.code == error_code::pool_failed);

  auto result = host.client().restart("default");
  REQUIRE(result.ok());
  auto ack = *result;
  CHECK(ack.restarted);
  CHECK(contains(ack.previous_failure, "simulated start failure"));
  auto back = host.await_ready("", 30000ms);
  INFO("after restart: " << describe(back.failed));
  CHECK(back.all_ready());
  CHECK(host.exec("ping").ok());
  auto recovered = events.of<telemetry::pool_recovered>();
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0].trigger == "manual");

  auto again = host.client().restart("default");
  REQUIRE(again.ok());
  CHECK_FALSE(again->restarted);
  CHECK(again->previous_failure.empty());
  auto missing = host.client().restart("nosuch");
  REQUIRE(!missing);
  CHECK(missing.code() == error_code::pool_not_found);
}

TEST_CASE("recovery: a call in flight when its pool fails gets pool_failed "
          "with the cause, once",
          "[integration][recovery]") {
  temp_dir tmp;
  auto cfg = flaky_config(tmp, 2, 0);
  cfg.pools[0].recovery_backoff = milliseconds::max();
  // The call must outlast the failure, however slow the machine.
  cfg.pools[0].request_timeout = 120000ms;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  auto long_call = exec_async(host, make_request("", "sleep",
                                                 sleep_args(60000)));
  auto busy = busy_worker(host);
  // From now on no worker can start; the idle worker dies, its
  // replacements fail, and the supervisor gives up, stopping the busy one.
  write_file(tmp / "broken", "");
  int idle_pid = 0;
  for (const auto& w : host.status().workers)
    if (w.id != busy.id)
      idle_pid = w.info.pid;
  REQUIRE(idle_pid > 0);
  ::kill(idle_pid, SIGKILL);
  auto reply = long_call.get();
  INFO("in-flight reply: " << describe(reply));
  CHECK(reply.code() == error_code::pool_failed);
  CHECK(contains(reply.error().message, "simulated start failure"));
  CHECK(contains(reply.error().message,
                 "the call was running on worker " + busy.id));
  CHECK(reply.error().worker == busy.id);
  CHECK(host.status().failed.code == error_code::pool_failed);
}

TEST_CASE("crash barrier: an idempotent call survives its worker's "
          "SIGKILL, while another gets worker_crashed naming the signal",
          "[integration][recovery][crash_barrier]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 2)};
  REQUIRE(host.await_ready().all_ready());

  auto idem = make_request("", "sleep", sleep_args(1500));
  idem.idempotent = true;
  auto survivor = exec_async(host, idem);
  auto first = busy_worker(host);
  ::kill(first.info.pid, SIGKILL);
  auto ok = survivor.get();
  INFO("idempotent reply: " << describe(ok));
  CHECK(ok.ok());
  CHECK(ok->worker != first.id);
  CHECK(result_of(ok)["slept_ms"] == 1500);

  REQUIRE(eventually(
    [&] {
      auto st = host.status();
      return st.all_ready() && st.busy_slots == 0;
    },
    patience));
  auto plain = exec_async(host, make_request("", "sleep", sleep_args(5000)));
  auto victim = busy_worker(host);
  ::kill(victim.info.pid, SIGKILL);
  auto crashed = plain.get();
  INFO("plain reply: " << describe(crashed));
  CHECK(crashed.code() == error_code::worker_crashed);
  CHECK(crashed.error().worker == victim.id);
  CHECK(contains(crashed.error().message, "killed by signal 9 (SIGKILL)"));
  CHECK(contains(crashed.error().message, victim.id));
  // The last output lines of the dead worker.
  CHECK(contains(crashed.error().traceback, "snakepit_bridge["));
}

TEST_CASE("crash barrier: an idempotent call is retried once, not more",
          "[integration][recovery][crash_barrier]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 2)};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  auto req = make_request("", "crash", R"({"code":7})");
  req.idempotent = true;
  auto reply = host.client().execute(req);
  INFO("reply: " << describe(reply));
  CHECK(reply.code() == error_code::worker_crashed);
  CHECK(contains(reply.error().message, "exited with code 7"));
  // Two workers crashed under it: the first attempt and the one retry.
  auto crashes = [&] {
    int n = 0;
    for (const auto& ev : events.of<telemetry::worker_recycled>())
      n += ev.reason == recycle_reason::crashed ? 1 : 0;
    return n;
  };
  CHECK(eventually([&] { return crashes() == 2; }, 10000ms));
  CHECK(eventually([&] { return host.status().all_ready(); }, patience));
  CHECK(crashes() == 2);
  CHECK(host.worker_pid(reply.error().worker) == 0);
}
