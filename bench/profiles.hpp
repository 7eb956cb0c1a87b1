#pragma once

/// snakepit_profiles: the thread profile against the process profile at
/// equal slots (profiles_main.cpp measures, profiles_print.cpp prints and
/// records), and throughput against pool size for both profiles
/// (profiles_scaling.cpp). This header holds what they share.

#include <map>
#include <string>
#include <vector>

#include <snakepit/config.hpp>

#include "bench/json_report.hpp"
#include "bench/stats.hpp"
#include "messages/worker_messages.hpp"
#include "process/proc_memory.hpp"

namespace snakepit {
class client;
} // namespace snakepit

namespace snakepit::bench {

/// Command-line options.
struct profiles_options {
  int slots = 4;
  std::vector<int> thread_workers{1, 2};
  int rounds = 3;
  int sleep_requests = 50;
  int cpu_requests = 25;
  int sleep_ms = 20;
  int hash_mb = 2;
  int burn_ms = 20;
  int settle_ms = 300;
  /// Throughput vs pool size: pool sizes (process workers; thread
  /// workers' threads), rounds, seconds per tool and configuration, callers
  /// (0: twice the largest size), the `sleep` of the I/O tool.
  std::vector<int> scaling_sizes{1, 2, 4};
  int scaling_rounds = 3;
  double scaling_seconds = 2;
  int scaling_callers = 0;
  int scaling_sleep_ms = 5;
  /// "comparison", "scaling" or empty for both.
  std::string only;
  std::string log_level = "error";
  std::string json_path;
  bool quick = false;
};

/// One configuration under test.
struct profile_setup {
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
struct profile_results {
  std::vector<double> startup_ms;
  std::vector<process::memory_kib> idle;
  std::vector<process::memory_kib> loaded;
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

/// A host config with one pool `pool_name` of `workers` showcase workers
/// of `profile` (`threads` each in the thread profile).
host_config profiles_config(const std::string& pool_name,
                            worker_profile profile, int workers, int threads,
                            const std::string& log_level);

/// The Python processes of `pool`, from its status.
std::vector<int> pool_pids(client& c, const std::string& pool);

/// The comparison's tables; each prints its part and records it under
/// `out` (a JSON object).
void print_memory(const std::vector<profile_setup>& setups,
                  const std::vector<profile_results>& res, json& out);
void print_startup(const std::vector<profile_setup>& setups,
                   const std::vector<profile_results>& res, json& out);
void print_load(const std::vector<profile_setup>& setups,
                const std::vector<workload>& loads,
                const std::vector<profile_results>& res,
                const profiles_options& opts, json& out);
void print_spread(const std::vector<profile_setup>& setups,
                  const std::vector<workload>& loads,
                  const std::vector<profile_results>& res);
void print_summary(const std::vector<profile_setup>& setups,
                   const std::vector<workload>& loads,
                   const std::vector<profile_results>& res, json& out);

/// Throughput against pool size: process pools of each of
/// `opts.scaling_sizes` workers and thread pools of 1 worker x that many
/// threads, under a steady load that saturates them, for an I/O-like, a
/// GIL-releasing CPU and a GIL-holding CPU tool. Prints the section,
/// records it in `out`; false when a pool did not start or a call failed.
bool run_scaling(const profiles_options& opts, json& out);

} // namespace snakepit::bench
