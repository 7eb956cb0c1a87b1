// Health checks: a worker that stops answering pings (here: stopped with
// SIGSTOP) is declared unhealthy after max_misses, killed and replaced,
// while a busy worker keeps answering them on its own slot.

#include <catch2/catch.hpp>

#include <csignal>

#include <mutex>

#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

#include "calls.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;

TEST_CASE("health: a worker stopped with SIGSTOP fails its health checks "
          "and is replaced",
          "[integration][health]") {
  captured_log log;
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].health_check_interval = 200ms;
  cfg.pools[0].health_check_timeout = 200ms;
  cfg.pools[0].health_check_max_misses = 2;
  host_fixture host{cfg};
  auto names = std::make_shared<std::vector<std::string>>();
  auto mtx = std::make_shared<std::mutex>();
  auto sub = telemetry::subscribe(
    host.system(), [names, mtx](const telemetry::event& ev) {
      std::lock_guard<std::mutex> guard{*mtx};
      std::string name = telemetry::name_of(ev);
      if (auto* recycled = std::get_if<telemetry::worker_recycled>(&ev))
        name += " " + std::string{to_string(recycled->reason)};
      names->push_back(name);
    });
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  const int pid = st.workers.at(0).info.pid;

  REQUIRE(::kill(pid, SIGSTOP) == 0);
  // Replaced by a new, answering worker; the stopped one is killed.
  CHECK(eventually(
    [&] {
      auto now = host.status();
      return now.ready == 1 && now.workers.at(0).info.pid != pid;
    },
    15000ms));
  CHECK(eventually([&] { return process_gone(pid); }, 5000ms));
  auto info = host.exec("worker_info");
  INFO(describe(info));
  CHECK(info.ok());
  CHECK(result_of(info)["pid"] != pid);
  CHECK_FALSE(log.matching({"health check failed (1 of 2 misses)"}).empty());
  CHECK_FALSE(log.matching({"is unhealthy", "2 health checks in a row"})
                .empty());
  std::lock_guard<std::mutex> guard{*mtx};
  auto seen = [&](const std::string& prefix) {
    for (const auto& n : *names)
      if (n.rfind(prefix, 0) == 0)
        return true;
    return false;
  };
  CHECK(seen(std::string{telemetry::events::worker_health_check_failed}));
  CHECK(seen(std::string{telemetry::events::worker_recycled} + " unhealthy"));
}

TEST_CASE("health: a worker busy with a long call still passes its health "
          "checks",
          "[integration][health]") {
  captured_log log;
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].health_check_interval = 100ms;
  cfg.pools[0].health_check_timeout = 500ms;
  cfg.pools[0].health_check_max_misses = 1;
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  const int pid = st.workers.at(0).info.pid;

  // About ten health checks fall inside this call; one miss would kill it.
  auto reply = host.exec("sleep", sleep_args(1200));
  INFO(describe(reply));
  CHECK(reply.ok());
  CHECK(host.status().workers.at(0).info.pid == pid);
  CHECK(log.matching({"health check failed"}).empty());
}

// The caller of a call on a stopped worker is answered once the health
// check gives up on it: within max_misses x (interval + timeout) of the
// stop (docs/operations.md, "Stuck workers and shutdown"), not at its
// request_timeout.
TEST_CASE("health: the caller of a call on a SIGSTOPped worker is answered "
          "within the detection bound",
          "[integration][health]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  auto& pool = cfg.pools[0];
  pool.health_check_interval = 300ms;
  pool.health_check_timeout = 300ms;
  pool.health_check_max_misses = 2;
  pool.request_timeout = 20000ms;
  const auto detection = pool.health_check_max_misses
                         * (pool.health_check_interval
                            + pool.health_check_timeout);
  // Liveness slack for a loaded machine: timers, the kill and the reply.
  const auto slack = 2000ms;
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  const int pid = st.workers.at(0).info.pid;

  auto call = exec_async(host, make_request("", "sleep", sleep_args(15000)));
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }, 5000ms,
                     2ms));
  auto stopped_at = std::chrono::steady_clock::now();
  REQUIRE(::kill(pid, SIGSTOP) == 0);
  auto reply = call.get();
  auto took = std::chrono::duration_cast<milliseconds>(
    std::chrono::steady_clock::now() - stopped_at);
  INFO("reply after " << took.count() << " ms: " << describe(reply));
  CHECK(reply.code() == error_code::worker_crashed);
  CHECK(contains(reply.error().message, "unhealthy"));
  CHECK(took < detection + slack);

  CHECK(eventually([&] { return process_gone(pid); }, 5000ms));
  CHECK(eventually(
    [&] {
      auto now = host.status();
      return now.all_ready() && now.workers.at(0).info.pid != pid;
    },
    patience));
  CHECK(host.exec("ping").ok());
}
