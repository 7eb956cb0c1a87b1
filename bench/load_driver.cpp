#include "bench/load_driver.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "snakepit/snakepit.hpp"

namespace snakepit::bench {

int64_t iterations_of(const std::string& result_json) {
  auto key = result_json.find("\"iterations\"");
  if (key == std::string::npos)
    return 0;
  auto colon = result_json.find(':', key);
  if (colon == std::string::npos)
    return 0;
  return std::strtoll(result_json.c_str() + colon + 1, nullptr, 10);
}

namespace {

/// What one caller thread collects; merged after the join.
struct caller_result {
  std::vector<int64_t> latencies_ns;
  int64_t failures = 0;
  int64_t iterations = 0;
  std::map<std::string, int> per_worker;
  std::string first_error;
};

} // namespace

load_result run_concurrent(client& c, const std::string& pool,
                           const std::string& command,
                           const std::string& args_json, int callers,
                           int requests_per_caller) {
  using clock = std::chrono::steady_clock;
  std::mutex mtx;
  std::condition_variable cv;
  bool go = false;
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
      out.latencies_ns.reserve(requests_per_caller);
      for (int n = 0; n < requests_per_caller; ++n) {
        auto start = clock::now();
        auto reply = c.execute(pool, command, args_json);
        auto elapsed = clock::now() - start;
        if (!reply.ok()) {
          ++out.failures;
          if (out.first_error.empty())
            out.first_error = describe(reply.error);
          continue;
        }
        out.latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed)
            .count());
        out.iterations += iterations_of(reply.result_json);
        ++out.per_worker[reply.worker];
      }
    });
  auto start = clock::now();
  {
    std::lock_guard<std::mutex> lock{mtx};
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads)
    t.join();
  load_result out;
  out.calls.wall = clock::now() - start;
  for (auto& r : results) {
    out.calls.latencies_ns.insert(out.calls.latencies_ns.end(),
                                  r.latencies_ns.begin(),
                                  r.latencies_ns.end());
    out.calls.failures += r.failures;
    out.iterations += r.iterations;
    for (const auto& [worker, n] : r.per_worker)
      out.per_worker[worker] += n;
    if (out.first_error.empty())
      out.first_error = r.first_error;
  }
  return out;
}

} // namespace snakepit::bench
