#include "diagnostics/measure.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>

#include <unistd.h>

#include <snakepit/host.hpp>
#include <snakepit/telemetry/bus.hpp>

#include "actors/worker_environment.hpp"
#include "diagnostics/proc_readers.hpp"
#include "process/proc_memory.hpp"

namespace snakepit::diagnostics {

namespace {

using std::chrono::milliseconds;

/// Health checks this often open each worker's gRPC connection soon after
/// it is ready, so the descriptors counted include it.
constexpr milliseconds health_interval{50};

/// Wait after all workers are ready before counting: a few health checks.
constexpr milliseconds settle{250};

/// Upper bound of a measured worker's start-up timeout, so that a worker
/// that hangs cannot hold the command for long.
constexpr milliseconds max_startup_timeout{30000};

/// A fresh directory under /tmp (mode 0700, as run_directory requires of
/// its base), removed with everything in it.
class temp_base {
public:
  temp_base() {
    char name[] = "/tmp/snakepit-diag-XXXXXX";
    if (::mkdtemp(name) != nullptr)
      path_ = name;
  }
  ~temp_base() {
    std::error_code ec;
    if (!path_.empty())
      std::filesystem::remove_all(path_, ec);
  }
  temp_base(const temp_base&) = delete;
  temp_base& operator=(const temp_base&) = delete;

  /// Empty when it could not be created.
  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
};

/// One host's workers, measured.
struct host_sample {
  std::string error;
  std::string error_detail;
  std::string run_id;
  double ready_seconds = 0;
  std::vector<double> startups;
  std::vector<uint64_t> pss;
  std::vector<int64_t> threads;
  /// Descriptors of this process while the workers run.
  int64_t fds = 0;
  /// Threads the host added to this process.
  int64_t threads_delta = 0;
};

/// Threads of this process now.
int64_t own_threads() {
  auto st = read_task_status(static_cast<int>(::getpid()));
  return st ? st->threads : 0;
}

/// The first pool's settings as a pool of `size` workers of `profile`,
/// started all at once, never restarted, quick to stop.
pool_config measured_pool(const pool_config& first, const std::string& name,
                          worker_profile profile, int size, int slots) {
  auto p = first;
  p.name = name;
  p.profile = profile;
  p.size = size;
  p.threads_per_worker = profile == worker_profile::thread
                           ? slots
                           : pool_config{}.threads_per_worker;
  p.startup_concurrency = size;
  p.startup_timeout = std::min(first.startup_timeout, max_startup_timeout);
  p.max_restarts = 0;
  p.recovery_backoff = milliseconds::max();
  p.health_check_interval = health_interval;
  p.shutdown_timeout = std::min(first.shutdown_timeout, milliseconds{2000});
  p.worker_ttl = milliseconds::max();
  p.worker_max_requests.reset();
  p.memory_threshold_mb.reset();
  return p;
}

/// A host running `pool` alone under `base`, exporting nothing.
host_config host_for(const host_config& cfg, const std::string& base,
                     pool_config pool) {
  host_config out;
  out.pools = {std::move(pool)};
  out.run_dir = base;
  out.python_path = cfg.python_path;
  out.log_level = cfg.log_level;
  return out;
}

/// Waits until the subscription has handled every event published so far.
void sync(caf::actor_system& sys, const telemetry::subscription& sub) {
  caf::scoped_actor self{sys};
  self->request(sub.actor(), std::chrono::seconds{5},
                telemetry::sync_atom::value)
    .receive([](telemetry::sync_atom) {}, [](caf::error&) {});
}

/// Starts a host for `cfg`, waits for its workers, lets them settle and
/// measures them, then stops it.
host_sample run_host(const host_config& cfg) {
  host_sample s;
  auto threads_before = own_threads();
  auto start = std::chrono::steady_clock::now();
  auto started = host::start(cfg);
  if (!started) {
    s.error = started.error().message;
    return s;
  }
  auto& h = **started;
  s.run_id = h.runtime()->env()->run_id;
  auto lock = std::make_shared<std::mutex>();
  auto startups = std::make_shared<std::vector<double>>();
  auto sub = telemetry::subscribe(
    h.system(), [lock, startups](const telemetry::event& ev) {
      const auto* started = std::get_if<telemetry::worker_started>(&ev);
      if (started == nullptr)
        return;
      std::lock_guard<std::mutex> guard{*lock};
      startups->push_back(
        std::chrono::duration<double>{started->startup}.count());
    });
  auto status = h.await_ready();
  s.ready_seconds = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::vector<int> pids;
  for (const auto& pool : status) {
    if (pool.failed.code != error_code::none) {
      s.error = pool.failed.message;
      if (!pool.failed.python_type.empty())
        s.error += " (" + pool.failed.python_type + ")";
      s.error_detail = pool.failed.traceback;
    }
    for (const auto& w : pool.workers)
      pids.push_back(w.info.pid);
  }
  if (s.error.empty()) {
    std::this_thread::sleep_for(settle);
    s.fds = count_open_fds();
    s.threads_delta = own_threads() - threads_before;
    for (int pid : pids) {
      s.pss.push_back(process::pss_bytes(pid).value_or(0));
      auto st = read_task_status(pid);
      s.threads.push_back(st ? st->threads : 0);
    }
    sync(h.system(), sub);
  }
  sub.cancel();
  h.stop();
  std::lock_guard<std::mutex> guard{*lock};
  s.startups = *startups;
  return s;
}

/// Mean of `xs`, or `fallback` when empty.
double mean_or(const std::vector<double>& xs, double fallback) {
  if (xs.empty())
    return fallback;
  return std::accumulate(xs.begin(), xs.end(), 0.0)
         / static_cast<double>(xs.size());
}

/// Records `s` in `m`; false (with `m.error` set) when its workers failed.
bool take(measurement& m, const host_sample& s, const std::string& what) {
  if (!s.run_id.empty())
    m.run_ids.push_back(s.run_id);
  if (s.error.empty() && !s.pss.empty())
    return true;
  m.error = what + ": " + (s.error.empty() ? "no worker" : s.error);
  m.error_detail = s.error_detail;
  return false;
}

} // namespace

measurement measure_workers(const host_config& cfg, int spawn_workers) {
  measurement m;
  // Before any host: gRPC's global pollers, created by the first host and
  // kept after it, count as the host's.
  auto fds_before = count_open_fds();
  temp_base base;
  if (base.path().empty()) {
    m.error = "cannot create a temporary run directory under /tmp";
    return m;
  }
  const auto& first = cfg.pools.front();
  int slots = pool_config{}.threads_per_worker;
  for (const auto& pool : cfg.pools)
    if (pool.profile == worker_profile::thread) {
      slots = pool.threads_per_worker;
      break;
    }
  // The thread worker goes first: it also warms up the page cache and
  // gRPC, so that the lone process worker's start-up is not a disk-cold
  // one and both descriptor counts below see gRPC already initialized.
  auto thread = run_host(host_for(
    cfg, base.path(),
    measured_pool(first, "diag-thread", worker_profile::thread, 1, slots)));
  if (!take(m, thread, "thread-profile worker"))
    return m;
  m.thread_pss_bytes = thread.pss.front();
  m.thread_threads = thread.threads.front();
  m.thread_slots = slots;

  auto lone = run_host(host_for(
    cfg, base.path(),
    measured_pool(first, "diag-process", worker_profile::process, 1, 1)));
  if (!take(m, lone, "process-profile worker"))
    return m;
  m.process_pss_bytes = lone.pss.front();
  m.process_threads = lone.threads.front();
  m.cold_start_seconds = mean_or(lone.startups, lone.ready_seconds);

  auto n = std::max(spawn_workers, 1);
  auto many = run_host(host_for(
    cfg, base.path(),
    measured_pool(first, "diag-spawn", worker_profile::process, n, 1)));
  if (!take(m, many, std::to_string(n) + " process-profile workers"))
    return m;
  m.spawn_workers = n;
  m.spawn_seconds = many.ready_seconds;
  m.mean_startup_seconds = mean_or(many.startups, many.ready_seconds);
  // One worker and n workers, each on a host of its own: the difference
  // is what n - 1 workers cost, the rest is the host's.
  auto lone_fds = lone.fds - fds_before;
  if (n > 1) {
    m.fds_per_worker = std::max(
      0.0, static_cast<double>(many.fds - lone.fds) / (n - 1));
    m.fds_per_host = std::max<int64_t>(
      0, lone_fds - static_cast<int64_t>(m.fds_per_worker + 0.5));
  } else {
    m.fds_per_worker = static_cast<double>(lone_fds);
  }
  m.host_threads = std::max(lone.threads_delta, many.threads_delta);
  return m;
}

} // namespace snakepit::diagnostics
