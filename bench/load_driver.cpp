#include "bench/load_driver.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <thread>

#include <snakepit/snakepit.hpp>

namespace snakepit::bench {

namespace {

using clock = std::chrono::steady_clock;

/// When a caller stops: after `requests` calls or at `deadline`, whichever
/// comes first.
struct stop_rule {
  int64_t requests = std::numeric_limits<int64_t>::max();
  clock::duration duration = clock::duration::max();
};

/// What one caller thread collects; merged after the join.
struct caller_result {
  std::vector<int64_t> latencies_ns;
  int64_t failures = 0;
  int64_t iterations = 0;
  std::map<std::string, int> per_worker;
  std::vector<std::string> failure_lines;
};

void call_until(client& c, const std::string& pool, const std::string& command,
                const std::string& args_json, int caller, stop_rule stop,
                clock::time_point start, caller_result& out) {
  auto deadline = stop.duration == clock::duration::max()
                    ? clock::time_point::max()
                    : start + stop.duration;
  for (int64_t n = 0; n < stop.requests; ++n) {
    auto t0 = clock::now();
    if (t0 >= deadline)
      break;
    auto reply = c.execute(pool, command, args_json);
    auto t1 = clock::now();
    if (!reply.ok()) {
      ++out.failures;
      if (out.failure_lines.size() < max_kept_failures)
        out.failure_lines.push_back(fmt::format(
          "+{:.3f} s caller {}: {}",
          std::chrono::duration<double>(t1 - start).count(), caller,
          describe(reply)));
      continue;
    }
    out.latencies_ns.push_back(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    out.iterations += iterations_of(reply->result_json);
    ++out.per_worker[reply->worker];
  }
}

load_result run_load(client& c, const std::string& pool,
                     const std::string& command, const std::string& args_json,
                     int callers, stop_rule stop) {
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
      call_until(c, pool, command, args_json, i, stop, start, results[i]);
    });
  {
    std::lock_guard<std::mutex> lock{mtx};
    start = clock::now();
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
    for (auto& line : r.failure_lines)
      if (out.failures.size() < max_kept_failures)
        out.failures.push_back(std::move(line));
  }
  return out;
}

} // namespace

int64_t iterations_of(const std::string& result_json) {
  auto key = result_json.find("\"iterations\"");
  if (key == std::string::npos)
    return 0;
  auto colon = result_json.find(':', key);
  if (colon == std::string::npos)
    return 0;
  return std::strtoll(result_json.c_str() + colon + 1, nullptr, 10);
}

load_result run_concurrent(client& c, const std::string& pool,
                           const std::string& command,
                           const std::string& args_json, int callers,
                           int requests_per_caller) {
  stop_rule stop;
  stop.requests = requests_per_caller;
  return run_load(c, pool, command, args_json, callers, stop);
}

load_result run_for(client& c, const std::string& pool,
                    const std::string& command, const std::string& args_json,
                    int callers, std::chrono::nanoseconds duration) {
  stop_rule stop;
  stop.duration = std::chrono::duration_cast<clock::duration>(duration);
  return run_load(c, pool, command, args_json, callers, stop);
}

} // namespace snakepit::bench
