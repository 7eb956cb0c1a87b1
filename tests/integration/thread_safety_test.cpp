// Thread safety in the thread profile, end to end: adapters that refuse it,
// the checker that catches a racy method, and the warnings about libraries
// and the GIL that reach the host's log.

#include <catch2/catch.hpp>

#include "calls.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;

namespace {

constexpr const char* unsafe_adapter
  = "snakepit_test_adapters.unsafe.UnsafeAdapter";
constexpr const char* racy_adapter
  = "snakepit_test_adapters.racy.RacyAdapter";
constexpr const char* sqlite_adapter
  = "snakepit_test_adapters.pandas_user.PandasUserAdapter";

constexpr const char* gil_warning
  = "thread profile on an interpreter with the GIL enabled";

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines)
    out += line + "\n";
  return out;
}

/// True when `now` lists a worker that `before` did not (a replacement).
bool has_new_worker(const pool_snapshot& now, const pool_snapshot& before) {
  for (const auto& w : now.workers) {
    bool known = false;
    for (const auto& old : before.workers)
      known = known || old.id == w.id;
    if (!known)
      return true;
  }
  return false;
}

} // namespace

TEST_CASE("thread safety: an adapter declaring __thread_safe__ = False fails "
          "a thread pool and serves in a process pool",
          "[integration][thread_safety]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0] = derive_pool(cfg.pools[0], "proc", worker_profile::process, 1,
                             1, unsafe_adapter);
  auto thr = derive_pool(cfg.pools[0], "thr", worker_profile::thread, 1, 2,
                         unsafe_adapter);
  thr.max_restarts = 1;
  thr.recovery_backoff = std::chrono::milliseconds::max(); // stays failed
  cfg.pools.push_back(thr);
  host_fixture host{cfg};

  auto st = host.await_ready("thr", 30000ms);
  INFO("thread pool: " << describe(st.failed));
  CHECK(st.failed.code == error_code::pool_failed);
  CHECK(st.failed.python_type == "ThreadSafetyError");
  CHECK(contains(describe(st.failed), "ThreadSafetyError"));
  CHECK(contains(st.failed.message, "__thread_safe__ = False"));
  CHECK(contains(st.failed.message, unsafe_adapter));
  CHECK(st.ready == 0);
  auto refused = host.client().execute("thr", "ping");
  CHECK(refused.code() == error_code::pool_failed);
  CHECK(refused.error().python_type == "ThreadSafetyError");

  // The same adapter, one call at a time, is fine.
  auto proc = host.await_ready("proc");
  REQUIRE(proc.all_ready());
  auto ping = host.client().execute("proc", "ping");
  CHECK(result_of(ping) == "pong");
  CHECK(ping->worker == "proc/w1");
}

TEST_CASE("thread safety: with thread_safety_checks the host log reports "
          "concurrent entry into a racy method, without it not",
          "[integration][thread_safety]") {
  captured_log log;
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0] = derive_pool(cfg.pools[0], "checked", worker_profile::thread,
                             1, 2, racy_adapter);
  cfg.pools[0].thread_safety_checks = true;
  auto unchecked = cfg.pools[0];
  unchecked.name = "unchecked";
  unchecked.thread_safety_checks = false;
  cfg.pools.push_back(unchecked);
  host_fixture host{cfg};
  REQUIRE(host.await_ready("checked").all_ready());
  REQUIRE(host.await_ready("unchecked").all_ready());

  // Two overlapping bumps per pool: each reads the counter, sleeps, writes
  // it back plus one. Both reading 0 proves they overlapped (and that the
  // checker only watches: it did not serialize them).
  std::vector<std::future<execute_reply>> calls;
  for (const char* pool : {"checked", "checked", "unchecked", "unchecked"})
    calls.push_back(
      exec_async(host, make_request(pool, "bump", R"({"ms":500})")));
  for (auto& f : calls) {
    auto reply = f.get();
    auto r = result_of(reply);
    INFO(reply->worker << ": " << reply->result_json);
    CHECK(r["seen"] == 0);
    CHECK(r["value"] == 1);
  }

  const std::string report = "concurrent entry into RacyAdapter.bump";
  CHECK(eventually(
    [&] { return !log.matching({"[checked/w1]", report}).empty(); }, 5000ms));
  // Stopping collects every line the workers wrote.
  host.stop();
  auto reports = log.matching({report});
  INFO("reports:\n" << joined(reports));
  REQUIRE(reports.size() == 1); // once per method per process
  CHECK(reports[0].rfind("[warning] [checked/w1] thread-safety: ", 0) == 0);
  CHECK(contains(reports[0], "(not_thread_safe)"));
  CHECK(log.matching({"[unchecked/", report}).empty());
  // The checker announced itself only where it was on.
  CHECK_FALSE(log.matching({"[checked/w1]", "thread-safety checks on"})
                .empty());
  CHECK(log.matching({"[unchecked/w1]", "thread-safety checks on"}).empty());
}

TEST_CASE("thread safety: a library the matrix flags is warned about in a "
          "thread pool, not in a process pool",
          "[integration][thread_safety]") {
  captured_log log;
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0] = derive_pool(cfg.pools[0], "tp", worker_profile::thread, 1, 2,
                             sqlite_adapter);
  cfg.pools.push_back(derive_pool(cfg.pools[0], "pp", worker_profile::process,
                                  1, 1, sqlite_adapter));
  host_fixture host{cfg};
  REQUIRE(host.await_ready("tp").all_ready());
  REQUIRE(host.await_ready("pp").all_ready());
  // Both serve (the adapter uses sqlite3 correctly).
  CHECK(result_of(host.client().execute("tp", "square", R"({"x":7})"))["value"]
        == 49);
  CHECK(result_of(host.client().execute("pp", "square", R"({"x":8})"))["value"]
        == 64);
  host.stop();

  auto all = log.lines();
  INFO("log:\n" << joined(all));
  auto tp = log.matching({"[warning] [tp/w1] ", "sqlite3"});
  CHECK(tp.size() == 1);
  CHECK(log.matching({"[pp/", "sqlite3"}).empty());
  CHECK(log.matching({"[warning] [pp/"}).empty());
}

TEST_CASE("thread profile: the GIL warning comes once per thread pool, "
          "whatever its number of workers",
          "[integration][thread_safety]") {
  captured_log log;
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0] = derive_pool(cfg.pools[0], "t2", worker_profile::thread, 2, 2);
  cfg.pools.push_back(derive_pool(cfg.pools[0], "t1", worker_profile::thread,
                                  1, 2));
  cfg.pools.push_back(derive_pool(cfg.pools[0], "p2", worker_profile::process,
                                  2));
  host_fixture host{cfg};
  auto t2 = host.await_ready("t2");
  REQUIRE(t2.all_ready());
  REQUIRE(host.await_ready("t1").all_ready());
  REQUIRE(host.await_ready("p2").all_ready());
  REQUIRE(t2.workers.size() == 2);
  if (!t2.workers[0].info.gil_enabled) {
    WARN("skipped: this interpreter runs without the GIL");
    return;
  }
  // A replacement worker does not warn again either.
  auto crash = host.client().execute("t2", "crash", R"({"code":9})");
  CHECK(crash.code() == error_code::worker_crashed);
  REQUIRE(eventually(
    [&] {
      auto st = host.status("t2");
      return st.all_ready() && has_new_worker(st, t2);
    },
    patience));
  host.stop();

  auto all = log.lines();
  INFO("log:\n" << joined(all));
  CHECK(log.matching({"[warning] pool t2: ", gil_warning}).size() == 1);
  CHECK(log.matching({"[warning] pool t1: ", gil_warning}).size() == 1);
  CHECK(log.matching({"pool p2: ", gil_warning}).empty());
  CHECK(log.matching({gil_warning}).size() == 2);
}
