// A call whose caller got request_timeout may still run in Python: its slot
// stays busy until Python is done with it, and a call that outlives
// hung_call_grace costs its worker, which is replaced.

#include <catch2/catch.hpp>

#include "calls.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST_CASE("hung call: a timed-out call keeps its slot until Python finishes "
          "it, then the same worker serves on",
          "[integration][timeout][hung]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].hung_call_grace = 3000ms;
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  const int pid = st.workers.at(0).info.pid;

  auto t0 = steady_clock::now();
  auto timed_out = host.client().execute(
    make_request("default", "sleep", sleep_args(1500), 200ms));
  INFO("timed out: " << describe(timed_out));
  REQUIRE(timed_out.code() == error_code::request_timeout);
  CHECK(timed_out.error().worker == "default/w1");

  // Sent at once, served only when the sleep has ended in Python (which
  // began after t0): the slot was not handed out while Python ran the
  // abandoned call. (With only one call allowed in that worker, a call sent
  // earlier would have been refused, not served.)
  auto info = host.exec("worker_info");
  auto waited = steady_clock::now() - t0;
  INFO("worker_info: " << describe(info) << ", waited "
                       << std::chrono::duration_cast<milliseconds>(waited)
                            .count()
                       << " ms, queued " << info->queue_us << " us");
  CHECK(result_of(info)["pid"] == pid);
  CHECK(info->worker == "default/w1");
  CHECK(waited >= 1500ms);
  CHECK(info->queue_us > 0);

  auto after = host.status();
  REQUIRE(after.workers.size() == 1);
  CHECK(after.workers[0].id == "default/w1");
  CHECK(after.workers[0].info.pid == pid);
  CHECK(after.busy_slots == 0);
  CHECK(process_alive(pid));
}

TEST_CASE("hung call: a call that outlives hung_call_grace gets its worker "
          "killed and replaced",
          "[integration][timeout][hung]") {
  captured_log log;
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].name = "hung";
  cfg.pools[0].hung_call_grace = 1000ms;
  // Bounds the wait below: well before the 10 s sleep could end.
  cfg.pools[0].queue_timeout = 8000ms;
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  const int pid = st.workers.at(0).info.pid;

  auto timed_out = host.client().execute(
    make_request("hung", "sleep", sleep_args(10000), 200ms));
  INFO("timed out: " << describe(timed_out));
  REQUIRE(timed_out.code() == error_code::request_timeout);

  // Queued behind the hung call; served by the replacement worker, within
  // the queue timeout, i.e. long before the sleep would have ended.
  auto info = host.exec("worker_info");
  INFO("worker_info: " << describe(info));
  auto r = result_of(info);
  CHECK(r["pid"] != pid);
  CHECK(info->worker == "hung/w2");
  CHECK(process_gone(pid));

  auto after = host.status();
  CHECK(after.all_ready());
  REQUIRE(after.workers.size() == 1);
  CHECK(after.workers[0].id == "hung/w2");
  CHECK(after.workers[0].info.pid == r["pid"].get<int>());
  CHECK(after.busy_slots == 0);
  auto kills
    = log.matching({"[warning] [hung/w1] call ", "killing the worker"});
  INFO("log:\n" << log.text());
  CHECK(kills.size() == 1);
}
