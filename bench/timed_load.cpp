#include "bench/timed_load.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "bench/load_driver.hpp"
#include "snakepit/snakepit.hpp"

namespace snakepit::bench {

namespace {

/// What one caller thread collects; merged after the join.
struct caller_result {
  std::vector<int64_t> latencies_ns;
  int64_t failures = 0;
  std::map<std::string, int> per_worker;
  std::vector<std::string> failure_lines;
  int64_t iterations = 0;
};

} // namespace

timed_result run_for(client& c, const std::string& pool,
                     const std::string& command, const std::string& args_json,
                     int callers, std::chrono::nanoseconds duration) {
  using clock = std::chrono::steady_clock;
  std::mutex mtx;
  std::condition_variable cv;
  bool go = false;
  clock::time_point start;
  std::vector<caller_result> results(callers);
  std::vector<std::thread> threads;
  threads.reserve(callers);
  for (int i = 0; i < callers; ++i)
    threads.emplace_back([&, i] {
      {
        std::unique_lock<std::mutex> lock{mtx};
        cv.wait(lock, [&] { return go; });
      }
      auto& out = results[i];
      out.latencies_ns.reserve(4096);
      auto deadline = start + duration;
      for (auto t0 = clock::now(); t0 < deadline; t0 = clock::now()) {
        auto reply = c.execute(pool, command, args_json);
        auto t1 = clock::now();
        if (!reply.ok()) {
          ++out.failures;
          if (out.failure_lines.size() < max_kept_failures)
            out.failure_lines.push_back(fmt::format(
              "+{:.3f} s caller {}: {}",
              std::chrono::duration<double>(t1 - start).count(), i,
              describe(reply.error)));
          continue;
        }
        out.latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0)
            .count());
        ++out.per_worker[reply.worker];
        out.iterations += iterations_of(reply.result_json);
      }
    });
  {
    std::lock_guard<std::mutex> lock{mtx};
    start = clock::now();
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads)
    t.join();
  timed_result out;
  out.calls.wall = clock::now() - start;
  for (auto& r : results) {
    out.calls.latencies_ns.insert(out.calls.latencies_ns.end(),
                                  r.latencies_ns.begin(),
                                  r.latencies_ns.end());
    out.calls.failures += r.failures;
    out.iterations += r.iterations;
    for (const auto& [worker, n] : r.per_worker)
      out.per_worker[worker] += n;
    for (auto& line : r.failure_lines)
      if (out.failures.size() < max_kept_failures)
        out.failures.push_back(std::move(line));
  }
  return out;
}

} // namespace snakepit::bench
