#include "diagnostics/diagnose.hpp"

#include <algorithm>
#include <chrono>

#include <sys/resource.h>
#include <unistd.h>

#include "diagnostics/demand.hpp"
#include "diagnostics/limits_rules.hpp"
#include "diagnostics/measure.hpp"
#include "diagnostics/memory_rule.hpp"
#include "diagnostics/python_probe.hpp"
#include "diagnostics/socket_rule.hpp"
#include "diagnostics/spawn_rule.hpp"
#include "process/proc_files.hpp"
#include "process/python_location.hpp"
#include "process/run_directory.hpp"

namespace snakepit::diagnostics {

namespace {

/// Stand-ins when no worker could be measured, a little above what was
/// measured on Debian 12 with gRPC 1.51: a worker's socket, two output
/// pipes and pidfd; a host's gRPC pollers, admin socket and lock (10); an
/// idle worker's threads (11); a host's threads (10).
constexpr double estimated_fds_per_worker = 4;
constexpr int64_t estimated_fds_per_host = 16;
constexpr int64_t estimated_worker_threads = 12;
constexpr int64_t estimated_host_threads = 12;

/// Descriptors the measurement may hold at most besides those open before
/// it: a host's own (gRPC's pollers and eventfds, the admin socket, the run
/// directory lock) and twice a worker's cost each (pipes being set up while
/// others start), with room to spare. Below that the measurement is not
/// attempted: a host that runs out of descriptors while starting workers
/// may not recover.
int64_t measurement_fds(int spawn_workers) {
  return 48 + 8 * static_cast<int64_t>(spawn_workers);
}

/// The package directory workers get (as `runtime::create` finds it);
/// empty when none is found, which the python finding reports.
std::string package_dir(const host_config& cfg) {
  auto found = process::find_python_path(cfg.python_path);
  return found ? found->path : std::string{};
}

/// Why workers are not measured; empty when they can be.
std::string skip_reason(const host_config& cfg, const python_facts& first,
                        const std::string& python_path, int64_t open_before,
                        int spawn_workers) {
  if (check_python(first, python_path).status == status::critical)
    return "the interpreter of pool " + cfg.pools.front().name + " ("
           + first.interpreter + ") cannot run workers";
  auto nofile = read_limit(RLIMIT_NOFILE);
  auto wanted = open_before + measurement_fds(spawn_workers);
  if (nofile.soft && static_cast<int64_t>(*nofile.soft) < wanted)
    return "the open-file limit (" + std::to_string(*nofile.soft)
           + ") is too low to start " + std::to_string(spawn_workers)
           + " workers safely (about " + std::to_string(wanted)
           + " descriptors)";
  return {};
}

/// One interpreter probed per distinct `python` of the pools, with the
/// environment of the first pool that names it.
std::vector<python_facts> probe_interpreters(const host_config& cfg,
                                             const std::string& python_path) {
  std::vector<python_facts> out;
  for (const auto& pool : cfg.pools) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& f) {
      return f.interpreter == pool.python;
    });
    if (it == out.end()) {
      python_facts f;
      f.interpreter = pool.python;
      probe_python(f, pool.env, python_path);
      out.push_back(std::move(f));
      it = out.end() - 1;
    }
    it->pools.push_back(pool.name);
    it->thread_pools |= pool.profile == worker_profile::thread;
  }
  return out;
}

fd_facts fd_facts_of(int64_t open_before, const measurement& m,
                     bool measured) {
  fd_facts f;
  f.nofile = read_limit(RLIMIT_NOFILE);
  f.open_before = open_before;
  f.measured = measured;
  f.per_worker = measured ? m.fds_per_worker : estimated_fds_per_worker;
  f.per_host = measured ? m.fds_per_host : estimated_fds_per_host;
  return f;
}

nproc_facts nproc_facts_of(int64_t user_threads, const measurement& m,
                           bool measured) {
  nproc_facts f;
  f.nproc = read_limit(RLIMIT_NPROC);
  auto caps = parse_cap_eff(process::read_proc_file("/proc/self/status"));
  f.enforced = nproc_enforced(::getuid(), caps.value_or(0));
  f.user_threads = user_threads;
  f.threads_max =
    read_number_file("/proc/sys/kernel/threads-max").value_or(0);
  f.measured = measured;
  f.process_worker_threads =
    measured ? m.process_threads : estimated_worker_threads;
  f.thread_worker_threads =
    measured ? m.thread_threads : estimated_worker_threads;
  f.host_threads = measured ? m.host_threads : estimated_host_threads;
  return f;
}

memory_facts memory_facts_of(const measurement& m,
                             const std::string& skipped) {
  memory_facts f;
  if (auto info = read_meminfo())
    f.available_bytes = info->available_bytes;
  f.process_worker_pss_bytes = m.process_pss_bytes;
  f.thread_worker_pss_bytes = m.thread_pss_bytes;
  f.thread_worker_slots = m.thread_slots;
  f.not_measured = skipped.empty() ? m.error : skipped;
  return f;
}

spawn_facts spawn_facts_of(const measurement& m, int cores,
                           const std::string& skipped) {
  spawn_facts f;
  f.cores = cores;
  f.not_measured = skipped.empty() ? m.error : skipped;
  f.failed = skipped.empty() && !m.error.empty();
  f.workers = m.spawn_workers;
  f.seconds = m.spawn_seconds;
  f.mean_startup_seconds = m.mean_startup_seconds;
  f.cold_start_seconds = m.cold_start_seconds;
  return f;
}

} // namespace

report diagnose(const host_config& cfg, const diagnose_options& opts) {
  auto start = std::chrono::steady_clock::now();
  report r;
  r.machine = read_machine();
  r.config_source =
    opts.config_source.empty() ? "built-in default" : opts.config_source;
  auto need = demand_of(cfg);
  auto open_before = count_open_fds();
  auto user_threads = count_user_threads(::getuid());
  auto python_path = package_dir(cfg);
  auto pythons = probe_interpreters(cfg, python_path);

  // Workers are measured with the first pool's interpreter: no use
  // starting them when it cannot run them, nor without descriptors.
  auto skipped = skip_reason(cfg, pythons.front(), python_path, open_before,
                             opts.spawn_workers);
  measurement m;
  if (skipped.empty())
    m = measure_workers(cfg, opts.spawn_workers);
  r.run_ids = m.run_ids;
  bool measured = skipped.empty() && m.error.empty();

  r.findings.push_back(
    check_open_files(fd_facts_of(open_before, m, measured), need.workers()));
  r.findings.push_back(
    check_processes(nproc_facts_of(user_threads, m, measured), need));
  r.findings.push_back(check_memory(memory_facts_of(m, skipped), need));
  for (const auto& py : pythons)
    r.findings.push_back(check_python(py, python_path));
  auto base = cfg.run_dir.empty() ? process::default_run_base() : cfg.run_dir;
  r.findings.push_back(check_socket_path(base, need));
  auto spawn = check_spawn_rate(
    spawn_facts_of(m, r.machine.affinity_cores, skipped), need);
  if (!m.error_detail.empty())
    spawn.add("error_detail", m.error_detail);
  r.findings.push_back(std::move(spawn));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                            - start)
                .count();
  return r;
}

int exit_code(const report& r) {
  return worst(r.findings) == status::critical ? 1 : 0;
}

} // namespace snakepit::diagnostics
