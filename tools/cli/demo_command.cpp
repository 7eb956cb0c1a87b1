// `snakepit demo`: the README's main job. A pool of real Python workers
// hashes data, adds numbers, burns CPU and reports on itself, driven by
// several concurrent callers; then the host stops cleanly.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "cli_support.hpp"

namespace snakepit::cli {

namespace {

/// Concurrent callers driving the pool.
constexpr int callers = 4;

struct job {
  std::string command;
  std::string args;
};

std::vector<job> make_batch(int requests) {
  std::vector<job> batch;
  for (int i = 0; i < requests; ++i) {
    batch.push_back({"hash_blob", R"({"mb": 4})"});
    batch.push_back({"add", "{\"a\": " + std::to_string(i) + ", \"b\": "
                              + std::to_string(i * i) + "}"});
    if (i % 8 == 0)
      batch.push_back({"cpu_burn", R"({"ms": 20})"});
  }
  batch.push_back({"echo", R"({"greeting": "hello from C++", "n": [1, 2, 3]})"});
  return batch;
}

struct tally {
  int ok = 0;
  int failed = 0;
  std::map<std::string, int> per_worker;
  /// The first result of each command, to show.
  std::map<std::string, std::string> samples;
};

tally run_batch(snakepit::client& c, const std::string& pool,
                const std::vector<job>& batch) {
  std::vector<std::future<std::vector<std::pair<job, execute_reply>>>> parts;
  for (int k = 0; k < callers; ++k)
    parts.push_back(std::async(std::launch::async, [&, k] {
      std::vector<std::pair<job, execute_reply>> out;
      for (size_t i = k; i < batch.size(); i += callers)
        out.emplace_back(batch[i],
                         c.execute(pool, batch[i].command, batch[i].args));
      return out;
    }));
  tally t;
  for (auto& part : parts)
    for (auto& [j, reply] : part.get()) {
      if (!reply.ok()) {
        ++t.failed;
        std::cerr << "unexpected failure of " << j.command << ": "
                  << describe(reply);
        continue;
      }
      ++t.ok;
      ++t.per_worker[reply->worker];
      t.samples.emplace(j.command, j.command + " " + j.args + " -> "
                                     + reply->result_json.substr(0, 100));
    }
  return t;
}

} // namespace

int demo_command(const common_options& opts, int requests) {
  auto cfg = prepare(opts.config_path, opts.log_level);
  if (!cfg)
    return 2;
  // Short-lived: no admin socket, no metrics endpoint (host_options).
  auto started = snakepit::host::start(*cfg, host_options{false});
  if (!started) {
    std::cerr << started.error().message << '\n';
    return 2;
  }
  auto& host = **started;
  auto t0 = std::chrono::steady_clock::now();
  auto status = host.await_ready();
  auto ready_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  const auto& pool = status.front();
  std::cout << describe_pool(pool) << " (ready in " << ready_ms << " ms)\n";
  if (pool.failed.code != error_code::none)
    return 1;

  auto batch = make_batch(requests);
  auto t1 = std::chrono::steady_clock::now();
  auto result = run_batch(host.client(), pool.name, batch);
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                            - t1)
                .count();
  for (const auto& [command, line] : result.samples)
    std::cout << "  " << line << '\n';

  // A failing tool comes back as a structured Python error.
  auto err = host.client().execute(pool.name, "fail",
                                   R"({"message": "demo failure"})");
  if (err.ok()) {
    std::cout << "  fail -> unexpectedly succeeded\n";
  } else {
    const auto& f = err.error();
    std::cout << "  fail -> " << to_string(f.code) << ": " << f.message
              << " (" << f.python_type << ", traceback of "
              << std::count(f.traceback.begin(), f.traceback.end(), '\n')
              << " lines)\n";
  }

  std::cout << result.ok << " requests succeeded, " << result.failed
            << " failed, in " << secs << " s (" << result.ok / secs
            << " req/s, " << callers << " callers, "
            << requests * 4 << " MiB hashed)\n";
  for (const auto& [worker, n] : result.per_worker)
    std::cout << "  " << worker << " served " << n << '\n';
  host.stop();
  std::cout << "pool stopped; all worker processes reaped\n";
  bool ok = result.failed == 0 && err.code() == error_code::python_error;
  return ok ? 0 : 1;
}

} // namespace snakepit::cli
