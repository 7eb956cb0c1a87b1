// One service, two pools, two profiles.
//
// Many services mix two kinds of Python work: CPU-heavy work in pure Python
// (which the GIL serializes inside one process) and calls that mostly wait
// (HTTP, databases, sleeps), which threads serve well. One host can run a
// pool of each kind side by side:
//
//   "cpu"  process profile: 2 worker processes, one request at a time each,
//          so pure-Python work runs truly in parallel and a crash takes down
//          one request only;
//   "io"   thread profile: 1 worker process serving up to 4 requests at
//          once on 4 threads, so waiting calls overlap for the memory of
//          a single interpreter.
//
// main starts both pools in one `snakepit::host`, sends two `cpu_burn`
// calls to "cpu" and a burst of eight concurrent `sleep` calls to "io", and
// prints which worker process (and, for "io", which thread) served each.
// See docs/profiles.md for when to use which profile.
//
// Run: build/bin/example_two_pools

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <snakepit/snakepit.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

/// The text of a top-level JSON field of `json` ("thread" -> snakepit-rpc_1,
/// "started" -> 1712345678.123), without its quotes; empty when absent.
/// Enough for the flat results of the showcase tools; a real program would
/// use a JSON library.
std::string json_field(const std::string& json, const std::string& name) {
  auto key = json.find("\"" + name + "\"");
  if (key == std::string::npos)
    return {};
  auto pos = json.find(':', key);
  if (pos == std::string::npos)
    return {};
  pos = json.find_first_not_of(' ', pos + 1);
  if (pos == std::string::npos)
    return {};
  if (json[pos] == '"') {
    auto end = json.find('"', pos + 1);
    return json.substr(pos + 1, end - pos - 1);
  }
  auto end = json.find_first_of(",}", pos);
  return json.substr(pos, end - pos);
}

/// Worker id ("cpu/w1") -> pid of its Python process, from a pool status.
std::map<std::string, int> pids_of(const snakepit::pool_snapshot& s) {
  std::map<std::string, int> out;
  for (const auto& w : s.workers)
    out[w.id] = w.info.pid;
  return out;
}

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start)
    .count();
}

} // namespace

int main() {
  // Keep the output to our own prints. (At "warn" the io pool would also
  // remind us that the thread profile on a GIL build does not speed up
  // pure-Python CPU work: exactly why cpu_burn goes to the other pool.)
  spdlog::set_level(spdlog::level::err);

  // 1. The configuration: two pools in one host_config. The same could be
  //    written in TOML (two [[pools]] tables, see docs/profiles.md).
  snakepit::pool_config cpu;
  cpu.name = "cpu";
  cpu.profile = snakepit::worker_profile::process; // the default
  cpu.size = 2;                                     // 2 processes, 2 slots
  // cpu.adapter keeps its default, the showcase adapter (cpu_burn).

  snakepit::pool_config io;
  io.name = "io";
  io.profile = snakepit::worker_profile::thread;
  io.size = 1;               // one Python process...
  io.threads_per_worker = 4; // ...serving 4 requests at once: 4 slots
  // Threads share one adapter object, so the adapter must be thread-safe
  // (docs/thread_safety.md). This one is, and its `sleep` also reports
  // the thread that served the call.
  io.adapter = "snakepit_bridge.adapters.threaded_showcase."
               "ThreadedShowcaseAdapter";

  snakepit::host_config cfg;
  cfg.pools = {cpu, io};
  if (auto valid = snakepit::validate(cfg); !valid) {
    std::cerr << valid.error().message << '\n';
    return 1;
  }

  // 2. Start the host: one actor system, one root supervisor, both pools.
  //    await_ready waits until every worker of every pool is up (or a pool
  //    failed) and returns the pools' status in config order.
  auto started = snakepit::host::start(cfg);
  if (!started) {
    std::cerr << started.error().message << '\n';
    return 1;
  }
  auto& host = **started;
  std::map<std::string, int> pid; // worker id -> pid, both pools
  for (const auto& s : host.await_ready()) {
    if (!s.all_ready()) {
      std::cerr << "pool " << s.name
                << " failed: " << snakepit::describe(s.failed) << '\n';
      return 1;
    }
    std::cout << "pool " << s.name << ": " << s.profile << " profile, "
              << s.size << " worker process(es), " << s.total_slots
              << " slots\n";
    for (const auto& [id, p] : pids_of(s))
      pid[id] = p;
  }
  auto& client = host.client(); // blocking, and safe to share by threads
  int failures = 0;

  // 3. CPU work to the "cpu" pool: two 200 ms busy loops in pure Python,
  //    sent at once from two threads. Each lands on its own process, so
  //    both run in parallel (on a machine with 2 free cores).
  std::cout << "\ncpu_burn {\"ms\": 200} x 2 at once -> pool \"cpu\":\n";
  std::vector<std::future<snakepit::execute_reply>> burns;
  for (int i = 0; i < 2; ++i)
    burns.push_back(std::async(std::launch::async, [&client] {
      return client.execute("cpu", "cpu_burn", R"({"ms": 200})");
    }));
  for (auto& f : burns) {
    auto reply = f.get();
    if (!reply.ok()) {
      std::cout << "  error: " << snakepit::describe(reply) << '\n';
      ++failures;
      continue;
    }
    std::cout << "  served by " << reply->worker << " (pid "
              << pid[reply->worker] << "): "
              << json_field(reply->result_json, "iterations")
              << " loop iterations in " << reply->run_us / 1000 << " ms\n";
  }

  // 4. A burst to the "io" pool: eight 100 ms sleeps sent at once. The
  //    pool runs four at a time on the worker's four threads and queues the
  //    rest, so the burst takes about two sleeps, not eight.
  constexpr int burst = 8;
  std::cout << "\nsleep {\"ms\": 100} x " << burst
            << " at once -> pool \"io\":\n";
  auto burst_start = clock_type::now();
  std::vector<std::future<snakepit::execute_reply>> sleeps;
  for (int i = 0; i < burst; ++i)
    sleeps.push_back(std::async(std::launch::async, [&client] {
      return client.execute("io", "sleep", R"({"ms": 100})");
    }));
  std::vector<snakepit::execute_reply> replies;
  for (auto& f : sleeps)
    replies.push_back(f.get());
  auto burst_ms = ms_since(burst_start);

  // `started` is the Python worker's wall clock (time.time()); show each
  // call's start relative to the earliest one to see the overlap.
  double first = 0;
  for (const auto& r : replies)
    if (r.ok()) {
      auto t = std::atof(json_field(r->result_json, "started").c_str());
      first = first == 0 ? t : std::min(first, t);
    }
  for (size_t i = 0; i < replies.size(); ++i) {
    const auto& r = replies[i];
    if (!r.ok()) {
      std::cout << "  call " << i + 1
                << ": error: " << snakepit::describe(r) << '\n';
      ++failures;
      continue;
    }
    auto started_ms =
      (std::atof(json_field(r->result_json, "started").c_str()) - first)
      * 1000;
    std::cout << "  call " << i + 1 << ": " << r->worker << " (pid "
              << pid[r->worker] << "), thread "
              << json_field(r->result_json, "thread") << ", started at +"
              << static_cast<int>(started_ms) << " ms, waited "
              << r->queue_us / 1000 << " ms in the queue\n";
  }
  std::cout << "  " << burst << " sleeps of 100 ms took "
            << static_cast<int>(burst_ms) << " ms on 1 process x 4 threads\n";

  // 5. Stop everything: the pools stop their workers (SIGTERM, grace,
  //    SIGKILL) and the runtime removes its run directory. The destructor
  //    would do the same.
  host.stop();
  std::cout << "\ndone, " << failures << " failed call(s)\n";
  return failures == 0 ? 0 : 1;
}
