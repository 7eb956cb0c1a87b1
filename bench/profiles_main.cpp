// snakepit_profiles: the thread profile against the process profile.
//
// In one run, on one host machine, with the same adapter (ShowcaseAdapter)
// and the same total number of slots (concurrent requests), it compares
//   A  process profile: S workers, 1 slot each,
//   B  thread profile:  1 worker x S threads,
//   C  thread profile:  2 workers x S/2 threads
// (S = --slots, 4 by default; --thread-workers picks the thread
// configurations). Each configuration runs as its own snakepit::host, one
// at a time, and is measured for
//   - start-up: host::start until every worker is ready;
//   - memory: Rss, Pss, USS (Private_Clean + Private_Dirty) and
//     Private_Dirty of the pool's Python processes from
//     /proc/PID/smaps_rollup, summed, once right after start-up (idle) and
//     once after the load;
//   - load: S caller threads, each sending its requests one at a time
//     through the blocking client, for `sleep` (I/O-like), `hash_blob`
//     (CPU in native code that releases the GIL) and `cpu_burn` (pure-Python
//     CPU that holds it): calls/s, p50/p99 latency, the CPU the Python
//     processes used (cores) and, for cpu_burn, the work done (loop
//     iterations per second; cpu_burn loops for a wall-clock time, so its
//     calls/s alone says little about work).
// The configurations alternate within each round (the first one rotates
// from round to round) and every figure is the median over the rounds, so
// machine noise hits every configuration alike.
//
// Usage: snakepit_profiles [--slots 4] [--thread-workers 1,2] [--rounds 3]
//                          [--sleep-requests 50] [--cpu-requests 25]
//                          [--sleep-ms 20] [--hash-mb 2] [--burn-ms 20]
//                          [--settle-ms 300] [--quick] [--log-level error]

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

#include "bench/load_driver.hpp"
#include "process/proc_cpu.hpp"
#include "bench/stats.hpp"
#include "process/proc_memory.hpp"
#include "snakepit/snakepit.hpp"

namespace {

using namespace snakepit;
using namespace snakepit::bench;
using snakepit::process::cpu_seconds;
using snakepit::process::memory_kib;
using snakepit::process::read_memory;
using clock_type = std::chrono::steady_clock;

const char* pool_name = "profiles";

struct options {
  int slots = 4;
  std::vector<int> thread_workers{1, 2};
  int rounds = 3;
  int sleep_requests = 50;
  int cpu_requests = 25;
  int sleep_ms = 20;
  int hash_mb = 2;
  int burn_ms = 20;
  int settle_ms = 300;
  std::string log_level = "error";
  bool quick = false;
};

/// One configuration under test.
struct setup {
  std::string label; // "A process 4x1"
  worker_profile profile = worker_profile::process;
  int workers = 1;
  int threads = 1; // slots per worker
};

/// One kind of load.
struct workload {
  std::string name;    // "sleep"
  std::string command; // the showcase tool
  std::string args;    // its JSON arguments
  std::string what;    // "I/O-like", for the headings
  int requests = 0;    // per caller
};

/// Everything measured for one configuration, one entry per round.
struct results {
  std::vector<double> startup_ms;
  std::vector<memory_kib> idle;
  std::vector<memory_kib> loaded;
  /// Per workload (same order as the workloads): the rounds' summaries and
  /// the work rate (iterations per second, cpu_burn only).
  std::vector<path_summary> load;
  std::vector<std::vector<double>> iterations_per_s;
  /// Per workload: CPU seconds of the pool's Python processes per second of
  /// wall time ("cores" used), and cpu_burn iterations per CPU second.
  std::vector<std::vector<double>> python_cores;
  std::vector<std::vector<double>> iterations_per_cpu_s;
  /// Requests per worker id in the last round, per workload.
  std::vector<std::map<std::string, int>> spread;
  /// Process profile only: cpu_burn iterations per second of a single
  /// caller, i.e. what one core does with no other call of the pool
  /// running: the unit in which the cpu_burn work rates compare.
  std::vector<double> one_caller_iterations_per_s;
  int64_t failures = 0;
  worker_info info;
};

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start)
    .count();
}

double mib(double kib) {
  return kib / 1024.0;
}

/// The median of one field of a list of memory readings, MiB.
double median_mib(const std::vector<memory_kib>& v,
                  const std::function<long(const memory_kib&)>& field) {
  std::vector<double> values;
  for (const auto& m : v)
    values.push_back(mib(static_cast<double>(field(m))));
  return median(values);
}

std::string ratio(double num, double den) {
  return den > 0 ? fmt::format("{:.2f}x", num / den) : std::string{"-"};
}

/// The Python processes of the pool, from its status.
std::vector<int> pool_pids(client& c) {
  std::vector<int> out;
  if (auto s = c.status(pool_name))
    for (const auto& w : s->workers)
      if (w.info.pid > 0)
        out.push_back(w.info.pid);
  return out;
}

host_config make_config(const setup& s, const options& opts) {
  auto cfg = default_config();
  cfg.log_level = opts.log_level;
  auto& pool = cfg.pools.front();
  pool.name = pool_name;
  pool.profile = s.profile;
  pool.size = s.workers;
  pool.startup_concurrency = std::max(pool.startup_concurrency, s.workers);
  if (s.profile == worker_profile::thread)
    pool.threads_per_worker = s.threads;
  return cfg;
}

/// Starts configuration `s` as its own host, measures it once, appends to
/// `out` and stops the host; false when something failed.
bool measure_once(const setup& s, const std::vector<workload>& loads,
                  const options& opts, results& out) {
  auto start = clock_type::now();
  auto started = host::start(make_config(s, opts));
  if (auto* err = std::get_if<std::string>(&started)) {
    std::cerr << s.label << ": " << *err << '\n';
    return false;
  }
  auto& h = *std::get<std::unique_ptr<host>>(started);
  auto statuses = h.await_ready();
  auto startup = ms_since(start);
  if (statuses.empty() || !statuses.front().all_ready()) {
    std::cerr << s.label << ": the pool did not start: "
              << (statuses.empty() ? std::string{"no status"}
                                   : describe(statuses.front().failed))
              << '\n';
    return false;
  }
  out.startup_ms.push_back(startup);
  out.info = statuses.front().workers.front().info;

  // Idle memory: let the interpreters finish whatever they do right after
  // reporting ready, then read every worker process.
  std::this_thread::sleep_for(std::chrono::milliseconds{opts.settle_ms});
  auto pids = pool_pids(h.client());
  auto idle = read_memory(pids);
  if (!idle.error.empty() || static_cast<int>(pids.size()) != s.workers) {
    std::cerr << s.label << ": cannot read the workers' memory: "
              << (idle.error.empty() ? "wrong number of pids" : idle.error)
              << '\n';
    return false;
  }
  out.idle.push_back(idle.memory);

  bool ok = true;
  for (size_t i = 0; i < loads.size(); ++i) {
    const auto& w = loads[i];
    // One call per slot first: the first call of a tool in a fresh
    // interpreter pays for imports and caches.
    run_concurrent(h.client(), pool_name, w.command, w.args, opts.slots, 1);
    auto cpu_before = cpu_seconds(pids);
    auto r = run_concurrent(h.client(), pool_name, w.command, w.args,
                            opts.slots, w.requests);
    auto cpu_used = cpu_seconds(pids) - cpu_before;
    if (!r.first_error.empty()) {
      std::cerr << s.label << ": " << w.name << ": " << r.calls.failures
                << " calls failed, e.g. " << r.first_error << '\n';
      ok = false;
    }
    out.failures += r.calls.failures;
    auto wall_s = std::chrono::duration<double>(r.calls.wall).count();
    out.iterations_per_s[i].push_back(wall_s > 0 ? r.iterations / wall_s
                                                 : 0);
    out.python_cores[i].push_back(wall_s > 0 ? cpu_used / wall_s : 0);
    out.iterations_per_cpu_s[i].push_back(
      cpu_used > 0 ? r.iterations / cpu_used : 0);
    out.spread[i] = r.per_worker;
    out.load[i].rounds.push_back(summarize(std::move(r.calls)));
    if (w.command == "cpu_burn" && s.profile == worker_profile::process) {
      auto one = run_concurrent(h.client(), pool_name, w.command, w.args, 1,
                                w.requests);
      auto one_s = std::chrono::duration<double>(one.calls.wall).count();
      out.failures += one.calls.failures;
      ok = ok && one.first_error.empty();
      out.one_caller_iterations_per_s.push_back(
        one_s > 0 ? one.iterations / one_s : 0);
    }
  }

  auto after = pool_pids(h.client());
  auto loaded = read_memory(after);
  if (!loaded.error.empty() || after != pids) {
    std::cerr << s.label << ": the worker processes changed during the "
              << "load (a worker was replaced?) " << loaded.error << '\n';
    ok = false;
  } else {
    out.loaded.push_back(loaded.memory);
  }
  h.stop();
  return ok;
}

// ---------------------------------------------------------------- output

void print_memory(const std::vector<setup>& setups,
                  const std::vector<results>& res) {
  std::cout << "\n## Memory of the pool's Python processes (sum over the "
               "processes, MiB, median over the rounds)\n\n";
  std::cout << fmt::format("{:<18} {:>5} | {:>6} {:>6} {:>6} {:>6} | {:>6} "
                           "{:>6} {:>6} {:>6}\n",
                           "", "", "idle", "", "", "", "load", "", "", "");
  std::cout << fmt::format("{:<18} {:>5} | {:>6} {:>6} {:>6} {:>6} | {:>6} "
                           "{:>6} {:>6} {:>6}\n",
                           "config", "procs", "Pss", "USS", "Dirty", "Rss",
                           "Pss", "USS", "Dirty", "Rss");
  auto pss = [](const memory_kib& m) { return m.pss; };
  auto uss = [](const memory_kib& m) { return m.uss; };
  auto dirty = [](const memory_kib& m) { return m.dirty; };
  auto rss = [](const memory_kib& m) { return m.rss; };
  for (size_t i = 0; i < setups.size(); ++i) {
    const auto& r = res[i];
    std::cout << fmt::format(
      "{:<18} {:>5} | {:>6.1f} {:>6.1f} {:>6.1f} {:>6.1f} | {:>6.1f} "
      "{:>6.1f} {:>6.1f} {:>6.1f}\n",
      setups[i].label, setups[i].workers, median_mib(r.idle, pss),
      median_mib(r.idle, uss), median_mib(r.idle, dirty),
      median_mib(r.idle, rss), median_mib(r.loaded, pss),
      median_mib(r.loaded, uss), median_mib(r.loaded, dirty),
      median_mib(r.loaded, rss));
  }
  std::cout << '\n';
  const auto& a = res.front();
  for (size_t i = 1; i < setups.size(); ++i) {
    const auto& t = res[i];
    std::cout << fmt::format(
      "{} / {}: Pss idle {} load {}, USS idle {} load {}, Dirty idle {} "
      "load {}; {} / {}: Pss idle {} load {}\n",
      setups[i].label.substr(0, 1), setups.front().label.substr(0, 1),
      ratio(median_mib(t.idle, pss), median_mib(a.idle, pss)),
      ratio(median_mib(t.loaded, pss), median_mib(a.loaded, pss)),
      ratio(median_mib(t.idle, uss), median_mib(a.idle, uss)),
      ratio(median_mib(t.loaded, uss), median_mib(a.loaded, uss)),
      ratio(median_mib(t.idle, dirty), median_mib(a.idle, dirty)),
      ratio(median_mib(t.loaded, dirty), median_mib(a.loaded, dirty)),
      setups.front().label.substr(0, 1), setups[i].label.substr(0, 1),
      ratio(median_mib(a.idle, pss), median_mib(t.idle, pss)),
      ratio(median_mib(a.loaded, pss), median_mib(t.loaded, pss)));
  }
}

void print_startup(const std::vector<setup>& setups,
                   const std::vector<results>& res) {
  std::cout << "\n## Start-up, host::start until every worker is ready "
               "(ms)\n\n";
  std::cout << fmt::format("{:<18} {:>5} {:>9} {:>9} {:>9} {:>8}\n", "config",
                           "runs", "median", "min", "max", "vs A");
  auto a = median(res.front().startup_ms);
  for (size_t i = 0; i < setups.size(); ++i) {
    const auto& v = res[i].startup_ms;
    if (v.empty())
      continue;
    std::cout << fmt::format("{:<18} {:>5} {:>9.1f} {:>9.1f} {:>9.1f} {:>8}\n",
                             setups[i].label, v.size(), median(v),
                             *std::min_element(v.begin(), v.end()),
                             *std::max_element(v.begin(), v.end()),
                             ratio(median(v), a));
  }
}

void print_load(const std::vector<setup>& setups,
                const std::vector<workload>& loads,
                const std::vector<results>& res, const options& opts) {
  for (size_t w = 0; w < loads.size(); ++w) {
    const auto& wl = loads[w];
    bool work = wl.command == "cpu_burn";
    std::cout << fmt::format("\n## {} {} ({}): {} callers x {} requests, "
                             "medians over the rounds\n\n",
                             wl.command, wl.args, wl.what, opts.slots,
                             wl.requests);
    std::cout << fmt::format(
      "{:<18} {:>8} {:>8} {:>8} {:>11} {:>7} {:>7} {:>8}{}\n", "config",
      "calls/s", "p50 ms", "p99 ms", "p50 range", "tput/A", "p50/A",
      "py cores", work ? "    Mit/s   work/A  Mit/CPU-s" : "");
    const auto& a = res.front().load[w];
    auto a_work = median(res.front().iterations_per_s[w]);
    for (size_t i = 0; i < setups.size(); ++i) {
      const auto& s = res[i].load[w];
      auto it = median(res[i].iterations_per_s[w]);
      std::cout << fmt::format(
        "{:<18} {:>8.1f} {:>8.2f} {:>8.2f} {:>11} {:>7} {:>7} {:>8.2f}{}\n",
        setups[i].label, s.median_calls_per_s(), s.median_p50() / 1000,
        s.median_p99() / 1000,
        fmt::format("{:.1f}..{:.1f}", s.min_p50() / 1000,
                    s.max_p50() / 1000),
        ratio(s.median_calls_per_s(), a.median_calls_per_s()),
        ratio(s.median_p50(), a.median_p50()),
        median(res[i].python_cores[w]),
        work ? fmt::format(" {:>8.2f} {:>8} {:>10.2f}", it / 1e6,
                           ratio(it, a_work),
                           median(res[i].iterations_per_cpu_s[w]) / 1e6)
             : std::string{});
    }
    auto one = median(res.front().one_caller_iterations_per_s);
    if (work && one > 0) {
      std::cout << fmt::format(
        "(one caller alone on A, i.e. about one core: {:.2f} Mit/s; in "
        "those units the work rates are", one / 1e6);
      for (size_t i = 0; i < setups.size(); ++i)
        std::cout << fmt::format(" {} {:.2f}", setups[i].label.substr(0, 1),
                                 median(res[i].iterations_per_s[w]) / one);
      std::cout << ")\n";
    }
    if (wl.command == "sleep")
      std::cout << fmt::format("(ideal with {} slots: {:.1f} calls/s)\n",
                               opts.slots, opts.slots * 1000.0 / opts.sleep_ms);
  }
}

void print_summary(const std::vector<setup>& setups,
                   const std::vector<workload>& loads,
                   const std::vector<results>& res) {
  std::cout << "\n## Summary: thread configuration / process configuration "
               "(A), medians\n\n";
  std::cout << fmt::format("{:<34}", "");
  for (size_t i = 1; i < setups.size(); ++i)
    std::cout << fmt::format(" {:>18}", setups[i].label);
  std::cout << '\n';
  auto row = [&](const std::string& name,
                 const std::function<double(const results&)>& f) {
    std::cout << fmt::format("{:<34}", name);
    for (size_t i = 1; i < setups.size(); ++i)
      std::cout << fmt::format(" {:>18}", ratio(f(res[i]), f(res.front())));
    std::cout << '\n';
  };
  auto field = [](auto get) {
    return [get](const results& r) {
      std::vector<double> v;
      for (const auto& m : r.idle)
        v.push_back(static_cast<double>(get(m)));
      return median(v);
    };
  };
  auto loaded_field = [](auto get) {
    return [get](const results& r) {
      std::vector<double> v;
      for (const auto& m : r.loaded)
        v.push_back(static_cast<double>(get(m)));
      return median(v);
    };
  };
  auto pss = [](const memory_kib& m) { return m.pss; };
  auto uss = [](const memory_kib& m) { return m.uss; };
  row("memory Pss, idle", field(pss));
  row("memory USS, idle", field(uss));
  row("memory Pss, after load", loaded_field(pss));
  row("memory USS, after load", loaded_field(uss));
  auto dirty = [](const memory_kib& m) { return m.dirty; };
  row("memory Private_Dirty, idle", field(dirty));
  row("memory Private_Dirty, after load", loaded_field(dirty));
  row("start-up time", [](const results& r) { return median(r.startup_ms); });
  for (size_t w = 0; w < loads.size(); ++w) {
    row(loads[w].command + " calls/s", [w](const results& r) {
      return r.load[w].median_calls_per_s();
    });
    row(loads[w].command + " p50 latency", [w](const results& r) {
      return r.load[w].median_p50();
    });
    row(loads[w].command + " Python CPU cores used",
        [w](const results& r) { return median(r.python_cores[w]); });
    if (loads[w].command == "cpu_burn")
      row("cpu_burn work (iterations/s)", [w](const results& r) {
        return median(r.iterations_per_s[w]);
      });
  }
}

/// Requests per worker in the last round (does the pool spread the load?).
void print_spread(const std::vector<setup>& setups,
                  const std::vector<workload>& loads,
                  const std::vector<results>& res) {
  std::cout << "\nRequests per worker process in the last round:\n";
  for (size_t i = 0; i < setups.size(); ++i) {
    std::cout << "  " << setups[i].label << ":";
    for (size_t w = 0; w < loads.size(); ++w) {
      std::cout << " " << loads[w].command << " [";
      bool first = true;
      for (const auto& [worker, n] : res[i].spread[w]) {
        std::cout << (first ? "" : " ") << n;
        first = false;
      }
      std::cout << "]";
    }
    std::cout << '\n';
  }
}

/// First "model name" of /proc/cpuinfo, or "unknown CPU".
std::string cpu_model() {
  std::ifstream in{"/proc/cpuinfo"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0)
      if (auto colon = line.find(':'); colon != std::string::npos)
        return line.substr(line.find_first_not_of(" \t", colon + 1));
  return "unknown CPU";
}

/// The three load averages of /proc/loadavg.
std::string load_average() {
  std::ifstream in{"/proc/loadavg"};
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

/// The configurations to compare: the process profile, then one thread
/// configuration per entry of --thread-workers; empty (and a message) when
/// the slots do not divide.
std::vector<setup> make_setups(const options& opts) {
  std::vector<setup> out;
  out.push_back({fmt::format("A process {}x1", opts.slots),
                 worker_profile::process, opts.slots, 1});
  char letter = 'B';
  for (int workers : opts.thread_workers) {
    if (opts.slots % workers != 0) {
      std::cerr << "--thread-workers " << workers << " does not divide --slots "
                << opts.slots << '\n';
      return {};
    }
    auto threads = opts.slots / workers;
    out.push_back({fmt::format("{} thread {}x{}", letter++, workers, threads),
                   worker_profile::thread, workers, threads});
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  CLI::App app{"Snakepit profiles benchmark: the thread profile against the "
               "process profile at equal slots (memory, start-up, "
               "throughput, latency)"};
  app.add_option("--slots", opts.slots,
                 "Total slots (concurrent requests) of every configuration, "
                 "and the number of concurrent callers")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--thread-workers", opts.thread_workers,
                 "Worker processes of each thread configuration (each gets "
                 "slots/workers threads)")
    ->delimiter(',')
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--rounds", opts.rounds,
                 "Rounds; each starts and measures every configuration once "
                 "(start-up, memory, load)")
    ->capture_default_str()
    ->check(CLI::Range(1, 100));
  app.add_option("--sleep-requests", opts.sleep_requests,
                 "sleep requests per caller and round")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--cpu-requests", opts.cpu_requests,
                 "hash_blob and cpu_burn requests per caller and round")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));
  app.add_option("--sleep-ms", opts.sleep_ms, "sleep: milliseconds per call")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000));
  app.add_option("--hash-mb", opts.hash_mb, "hash_blob: MiB hashed per call")
    ->capture_default_str()
    ->check(CLI::Range(1, 1024));
  app.add_option("--burn-ms", opts.burn_ms,
                 "cpu_burn: milliseconds of busy loop per call")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000));
  app.add_option("--settle-ms", opts.settle_ms,
                 "Pause between all-ready and the idle memory reading")
    ->capture_default_str()
    ->check(CLI::Range(0, 60000));
  app.add_flag("--quick", opts.quick,
               "Smoke test: 1 round, 5 sleep and 3 other requests per "
               "caller, unless given explicitly");
  app.add_option("--log-level", opts.log_level,
                 "spdlog level of the library and worker output (the "
                 "thread-profile GIL warning is a warning)")
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (opts.quick) {
    auto unless_given = [&app](const char* name, int& field, int value) {
      if (app.count(name) == 0)
        field = value;
    };
    unless_given("--rounds", opts.rounds, 1);
    unless_given("--sleep-requests", opts.sleep_requests, 5);
    unless_given("--cpu-requests", opts.cpu_requests, 3);
    unless_given("--settle-ms", opts.settle_ms, 100);
  }
  spdlog::set_level(spdlog::level::from_str(opts.log_level));

  auto setups = make_setups(opts);
  if (setups.empty())
    return 2;
  std::vector<workload> loads{
    {"sleep", "sleep", fmt::format(R"({{"ms": {}}})", opts.sleep_ms),
     "I/O-like, releases the GIL", opts.sleep_requests},
    {"hash_blob", "hash_blob", fmt::format(R"({{"mb": {}}})", opts.hash_mb),
     "CPU in native code, releases the GIL", opts.cpu_requests},
    {"cpu_burn", "cpu_burn", fmt::format(R"({{"ms": {}}})", opts.burn_ms),
     "pure-Python CPU, holds the GIL", opts.cpu_requests},
  };
  std::vector<results> res(setups.size());
  for (auto& r : res) {
    r.load.resize(loads.size());
    r.iterations_per_s.resize(loads.size());
    r.python_cores.resize(loads.size());
    r.iterations_per_cpu_s.resize(loads.size());
    r.spread.resize(loads.size());
    for (size_t w = 0; w < loads.size(); ++w)
      r.load[w].name = loads[w].name;
  }

  utsname os{};
  uname(&os);
  std::cout << fmt::format("snakepit_profiles: {} x {}, {} {}\n",
                           std::thread::hardware_concurrency(), cpu_model(),
                           os.sysname, os.release);
  std::cout << fmt::format("{} slots per configuration, {} round(s); load "
                           "average before: {}\n",
                           opts.slots, opts.rounds, load_average());

  auto run_start = clock_type::now();
  bool ok = true;
  for (int round = 0; round < opts.rounds && ok; ++round) {
    std::cout << fmt::format("round {}/{}:", round + 1, opts.rounds)
              << std::flush;
    for (size_t k = 0; k < setups.size(); ++k) {
      auto i = (k + round) % setups.size();
      std::cout << " " << setups[i].label.substr(0, 1) << std::flush;
      if (!measure_once(setups[i], loads, opts, res[i])) {
        ok = false;
        break;
      }
    }
    std::cout << '\n';
  }
  if (!ok) {
    std::cerr << "snakepit_profiles: a configuration failed; no results\n";
    return 1;
  }
  const auto& info = res.front().info;
  std::cout << fmt::format("Python {} ({}), GIL {}; took {:.0f} s; load "
                           "average after: {}\n",
                           info.python_version, info.executable,
                           info.gil_enabled ? "enabled" : "disabled",
                           ms_since(run_start) / 1000, load_average());

  print_memory(setups, res);
  print_startup(setups, res);
  print_load(setups, loads, res, opts);
  print_spread(setups, loads, res);
  print_summary(setups, loads, res);
  return 0;
}
