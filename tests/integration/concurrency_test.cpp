// Many callers at once: every request gets its own, correct reply.

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "host_fixture.hpp"

using namespace snakepit;
using namespace snakepit::it;

TEST_CASE("concurrency: 8 callers x 25 requests on 2 workers all get the "
          "right answer",
          "[integration][concurrency]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 2)};
  REQUIRE(host.await_ready().all_ready());
  auto requests_before = host.status().requests_dispatched;

  constexpr int threads = 8;
  constexpr int per_thread = 25;
  std::atomic<int> ok{0};
  std::mutex mtx;
  std::vector<std::string> problems;
  std::set<std::string> workers_seen;
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t)
    callers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        // Distinct operands per call: a reply delivered to the wrong caller
        // shows up as a wrong sum.
        long a = 1000L * t + i;
        long b = 7L * i + t;
        auto reply = host.exec("add", "{\"a\":" + std::to_string(a)
                                        + ",\"b\":" + std::to_string(b)
                                        + "}");
        std::lock_guard<std::mutex> guard{mtx};
        if (reply)
          workers_seen.insert(reply->worker);
        if (!reply.ok())
          problems.push_back("caller " + std::to_string(t) + " call "
                             + std::to_string(i) + ": "
                             + describe(reply));
        else if (reply->result_json != std::to_string(a + b))
          problems.push_back("caller " + std::to_string(t) + " call "
                             + std::to_string(i) + ": expected "
                             + std::to_string(a + b) + ", got "
                             + reply->result_json);
        else
          ++ok;
      }
    });
  for (auto& th : callers)
    th.join();

  for (const auto& p : problems)
    UNSCOPED_INFO(p);
  CHECK(problems.empty());
  CHECK(ok == threads * per_thread);
  // Both workers took part.
  CHECK(workers_seen == std::set<std::string>{"default/w1", "default/w2"});

  // The pool counted each request once and holds nothing.
  auto st = host.status();
  CHECK(st.requests_dispatched - requests_before == threads * per_thread);
  CHECK(st.busy_slots == 0);
  CHECK(st.queue_depth == 0);
  CHECK(st.all_ready());
  int64_t per_worker = 0;
  for (const auto& w : st.workers)
    per_worker += w.requests_dispatched;
  CHECK(per_worker == st.requests_dispatched);
}
