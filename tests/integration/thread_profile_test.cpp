// The thread profile: one worker process serves threads_per_worker calls at
// once, routing spreads calls over the least-loaded worker, and the pool's
// status tells what interpreter each worker runs. Concurrency is proven
// from the wall-clock times Python recorded inside the calls.

#include <catch2/catch.hpp>

#include <unistd.h>

#include "calls.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;

TEST_CASE("thread profile: one worker runs 4 calls at once on 4 threads and "
          "a 5th waits for a free slot",
          "[integration][thread]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0] = derive_pool(cfg.pools[0], "threads", worker_profile::thread,
                             1, 4, threaded_showcase);
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  CHECK(st.profile == "thread");
  CHECK(st.total_slots == 4);
  REQUIRE(st.workers.size() == 1);
  CHECK(st.workers[0].info.slots == 4);

  std::vector<std::future<execute_reply>> first;
  for (int i = 0; i < 4; ++i)
    first.push_back(
      exec_async(host, make_request("threads", "sleep", sleep_args(800))));
  // All four are on the worker before the fifth is sent.
  REQUIRE(eventually([&] { return host.status().busy_slots == 4; }, 10000ms,
                     1ms));
  auto fifth = exec_async(host, make_request("threads", "sleep",
                                             sleep_args(50)));

  std::vector<span> spans;
  for (auto& f : first)
    spans.push_back(span_of(f.get()));
  auto last = span_of(fifth.get());
  INFO("first four:\n" << describe_spans(spans) << "fifth:\n"
                       << describe_spans({last}));

  // The four ran at the same time: every pair of intervals intersects.
  for (size_t i = 0; i < spans.size(); ++i)
    for (size_t j = i + 1; j < spans.size(); ++j) {
      INFO("calls " << i << " and " << j);
      CHECK(overlap(spans[i], spans[j]));
    }
  CHECK(max_overlap(spans) == 4);
  // ... in one process, on four different threads.
  std::set<std::string> threads;
  for (const auto& s : spans) {
    CHECK(s.worker == "threads/w1");
    threads.insert(s.thread);
  }
  CHECK(threads.size() == 4);
  // The fifth started only once one of the four had ended.
  double earliest_end = spans[0].ended;
  for (const auto& s : spans)
    earliest_end = std::min(earliest_end, s.ended);
  CHECK(last.started >= earliest_end);
  CHECK(last.worker == "threads/w1");

  auto after = host.status();
  CHECK(after.busy_slots == 0);
  CHECK(after.queue_depth == 0);
}

TEST_CASE("thread profile: calls go to the least-loaded worker, never more "
          "than its threads",
          "[integration][thread][routing]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0] = derive_pool(cfg.pools[0], "tp", worker_profile::thread, 2, 2,
                             threaded_showcase);
  host_fixture host{cfg};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  REQUIRE(st.workers.size() == 2);
  CHECK(st.total_slots == 4);

  status_sampler sampler{host, "tp"};
  std::vector<std::future<execute_reply>> calls;
  auto send_two = [&] {
    for (int i = 0; i < 2; ++i)
      calls.push_back(
        exec_async(host, make_request("tp", "sleep", sleep_args(800))));
  };

  // Two calls on two idle workers: one each, not both on the first.
  send_two();
  pool_snapshot snap;
  REQUIRE(eventually(
    [&] {
      snap = host.status();
      return snap.busy_slots == 2;
    },
    10000ms, 1ms));
  for (const auto& w : snap.workers) {
    INFO(w.id);
    CHECK(w.busy == 1);
  }
  // Two more: the second slot of each.
  send_two();
  REQUIRE(eventually(
    [&] {
      snap = host.status();
      return snap.busy_slots == 4;
    },
    10000ms, 1ms));
  for (const auto& w : snap.workers) {
    INFO(w.id);
    CHECK(w.busy == 2);
  }

  std::vector<span> spans;
  for (auto& f : calls)
    spans.push_back(span_of(f.get()));
  sampler.stop();
  INFO("spans:\n" << describe_spans(spans));

  // 2 + 2, and on each worker its two calls ran together.
  auto groups = by_worker(spans);
  REQUIRE(groups.size() == 2);
  for (auto& [worker, mine] : groups) {
    INFO(worker);
    CHECK(mine.size() == 2);
    CHECK(max_overlap(mine) == 2);
    CHECK(mine[0].thread != mine[1].thread);
  }
  CHECK(max_overlap(spans) == 4);

  INFO("status samples: " << sampler.samples());
  CHECK(sampler.samples() > 0);
  CHECK(sampler.most_busy() <= 4);
  for (const auto& v : sampler.violations())
    UNSCOPED_INFO(v);
  CHECK(sampler.violations().empty());
}

TEST_CASE("introspection: pool status tells each worker's interpreter and "
          "slots",
          "[integration][thread][introspection]") {
  auto version = run_command({"/usr/bin/python3", "-c",
                              "import platform; "
                              "print(platform.python_version())"});
  REQUIRE(version.exit_code == 0);
  auto expected_version = version.out.substr(0, version.out.find('\n'));
  REQUIRE_FALSE(expected_version.empty());

  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  cfg.pools[0].name = "proc";
  cfg.pools[0].python = "/usr/bin/python3";
  cfg.pools.push_back(derive_pool(cfg.pools[0], "thr", worker_profile::thread,
                                  1, 3));
  host_fixture host{cfg};
  auto proc = host.await_ready("proc");
  auto thr = host.await_ready("thr");
  REQUIRE(proc.all_ready());
  REQUIRE(thr.all_ready());
  CHECK(proc.profile == "process");
  CHECK(thr.profile == "thread");
  CHECK(proc.total_slots == 2);
  CHECK(thr.total_slots == 3);

  auto check_worker = [&](const worker_snapshot& w, int slots) {
    INFO("worker " << w.id);
    CHECK(w.info.python_version == expected_version);
    CHECK(w.info.implementation == "cpython");
    CHECK(w.info.executable == "/usr/bin/python3");
    CHECK_FALSE(w.info.free_threaded_build);
    CHECK(w.info.gil_enabled);
    CHECK(w.info.slots == slots);
    CHECK(w.info.slots == slots);
    CHECK(w.info.adapter == cfg.pools[0].adapter);
    CHECK(w.info.pid > 1);
    CHECK(host_of(w.info.pid) == ::getpid());
  };
  REQUIRE(proc.workers.size() == 2);
  for (const auto& w : proc.workers)
    check_worker(w, 1);
  REQUIRE(thr.workers.size() == 1);
  check_worker(thr.workers[0], 3);

  // The pool's view (from the handshake) agrees with the worker's own.
  auto info = result_of(host.client().execute("thr", "worker_info"));
  CHECK(info["pid"] == thr.workers[0].info.pid);
  CHECK(info["python_version"] == expected_version);
  CHECK(info["executable"] == "/usr/bin/python3");
  CHECK(info["gil_enabled"] == true);
  CHECK(info["free_threaded_build"] == false);
}
