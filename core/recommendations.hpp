#pragma once

/// Recommendations: rules that turn one pool inspection
/// (<snakepit/snapshots.hpp>) into advice, each finding with its evidence and a
/// concrete configuration change. Plain functions: no CAF, no I/O.
///
/// `recommend` runs every rule. A failed pool gets only a critical
/// `pool_failed` finding with its failure text. While the utilization
/// window holds fewer than 5 samples, the rules marked (window) are skipped
/// and an info `warming_up` finding says so; the others still run.
/// "Slots" are `size x threads_per_worker` (`size` in the process profile);
/// "busy slots" are a utilization times the slots. The rules, with the
/// defaults of `recommendation_thresholds`:
///
/// - `utilization_high` (window): warning at a mean utilization >= 80%;
///   critical at >= 90%, or at >= 80% with requests queued now.
/// - `utilization_low` (window): info when the peak utilization stays
///   < 25% over >= 30 samples and size > 1 (and the peak needs fewer
///   workers).
/// - `queue_saturation`: warning when any request was refused for a full
///   queue; critical when the refused are > 1% of the requests answered.
/// - `memory_high`: warning when a worker's PSS is >= 80% of
///   `memory_threshold_mb`, or >= 1 GiB with no threshold set.
/// - `memory_growing`: warning when a worker grows >= max(16 MiB, 10% of
///   its baseline PSS) per hour.
/// - `gil_cpu_bound`: warning in the thread profile when a worker with the
///   GIL on has >= 2 busy slots and uses >= 0.85 cores.
/// - `idle_process_workers` (window): info in the process profile when
///   size >= 4 and the peak utilization stays <= 50% over >= 30 samples,
///   and the projected thread worker would use less PSS than the workers
///   now (so not before their PSS is measured).
/// - `threads_per_worker_range`, thread profile: warning when
///   threads_per_worker > 64; info (window) when the peak busy slots stay
///   < threads_per_worker / 4 over >= 30 samples; info (window) when the
///   GIL is on, the mean utilization >= 80% and every worker uses < 0.5
///   cores (I/O-bound).
/// - `failures_recurring`: warning when the workers replaced as crashed,
///   unhealthy or timed out add up to >= 3, or >= 3 health checks were
///   missed; critical at >= 10 replaced.
///
/// The values the actions compute: slots = ceil(busy slots / 60%), the
/// target utilization (mean busy slots for `utilization_high`, peak for
/// the lowering rules), at least 1, expressed as `size` or
/// `threads_per_worker`; `memory_threshold_mb` = 1.5x the median baseline
/// PSS (`memory_high`) or baseline + 4 h of measured growth
/// (`memory_growing`); `worker_max_requests` = requests served per MiB of
/// growth x 4 h of growth; for `idle_process_workers`,
/// `threads_per_worker` = ceil(peak busy slots x 1.5) and the projected
/// memory = the mean worker PSS + 8 MiB per thread, an estimate.

#include <snakepit/snapshots.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace snakepit {

/// How urgent a finding is. Ordered: a greater value is more severe.
enum class severity { info, warning, critical };

/// Stable lower-case name: "info", "warning" or "critical".
std::string to_string(severity level);

/// One finding about one pool.
struct recommendation {
  /// Stable id of the rule that produced it, e.g. "utilization_high".
  std::string rule;
  /// How urgent it is.
  severity level = severity::info;
  /// One sentence with the pool's name and the key number.
  std::string summary;
  /// The measured figures the rule used, formatted with units, in order:
  /// e.g. {"utilization_mean", "93%"}.
  std::vector<std::pair<std::string, std::string>> evidence;
  /// What to change: configuration keys with values computed from the
  /// evidence.
  std::string action;
};

/// The thresholds of the rules; the defaults are those documented at the
/// top of this header. Ratios are fractions (0.8 = 80%).
struct recommendation_thresholds {
  /// Fewer window samples than this: the window rules wait (`warming_up`).
  int min_window_samples = 5;
  /// Window samples for a finding about sustained low load
  /// (`utilization_low`, `idle_process_workers`, `threads_per_worker_range`
  /// with threads the peak never uses). The lifecycle actor keeps 60.
  int sustained_window_samples = 30;
  /// Utilization the computed sizes aim at: new slots = ceil(busy / this).
  double target_utilization = 0.6;
  /// `utilization_high`: mean utilization for a warning.
  double utilization_warning = 0.8;
  /// `utilization_high`: mean utilization for a critical finding.
  double utilization_critical = 0.9;
  /// `utilization_low`: peak utilization below this is persistently low.
  double utilization_low_peak = 0.25;
  /// `queue_saturation`: refused requests above this share of the requests
  /// answered make it critical.
  double saturation_critical_ratio = 0.01;
  /// `memory_high`: PSS at or above this share of `memory_threshold_mb`.
  double memory_threshold_share = 0.8;
  /// `memory_high`: PSS at or above this with no `memory_threshold_mb`.
  uint64_t memory_unlimited_bytes = uint64_t{1} << 30;
  /// `memory_high`: suggested `memory_threshold_mb` = this x the median
  /// baseline PSS of the workers.
  double memory_threshold_factor = 1.5;
  /// `memory_growing`: growth per hour at or above the larger of this ...
  uint64_t growth_min_bytes_per_hour = uint64_t{16} << 20;
  /// ... and this share of the worker's baseline PSS.
  double growth_min_baseline_share = 0.1;
  /// `memory_growing`: the suggested limits allow this many hours of growth.
  double growth_allowance_hours = 4;
  /// `gil_cpu_bound`: a worker with at least this many busy slots ...
  int gil_min_busy_slots = 2;
  /// ... using at least this many cores.
  double gil_cpu_cores = 0.85;
  /// `idle_process_workers`: process pools of at least this many workers ...
  int idle_min_size = 4;
  /// ... whose peak utilization stays at or below this.
  double idle_peak_utilization = 0.5;
  /// `idle_process_workers`: threads_per_worker = ceil(peak busy slots x
  /// this).
  double thread_headroom = 1.5;
  /// `idle_process_workers`: estimated memory of one more thread in a
  /// thread worker. Conservative: docs/profiles.md measured 0.7-1.4 MiB per
  /// thread with the showcase adapter; real adapters allocate per call.
  uint64_t thread_overhead_bytes = uint64_t{8} << 20;
  /// `threads_per_worker_range`: more threads per worker than this.
  int max_threads_per_worker = 64;
  /// `threads_per_worker_range`: peak busy slots below this share of
  /// threads_per_worker means too many threads.
  double threads_needed_share = 0.25;
  /// `threads_per_worker_range`: every worker below this many cores at high
  /// mean utilization means I/O-bound.
  double io_bound_cpu_cores = 0.5;
  /// `failures_recurring`: replaced workers (crashed, unhealthy, timeout)
  /// for a warning ...
  int64_t failures_warning = 3;
  /// ... and for a critical finding.
  int64_t failures_critical = 10;
  /// `failures_recurring`: missed health checks for a warning.
  int64_t health_check_failures_warning = 3;
};

/// Every finding for `p`, most severe first (rule order among equals).
/// Only `pool_failed` for a failed pool; `warming_up` in place of the
/// window rules while the window is short.
std::vector<recommendation>
recommend(const pool_snapshot& p, const recommendation_thresholds& t = {});

/// `utilization_high` (window): the slots are busy most of the time; raise
/// `size` (or `threads_per_worker`) to bring the mean to the target.
std::optional<recommendation>
check_utilization(const pool_snapshot& p,
                  const recommendation_thresholds& t = {});

/// `utilization_low` (window, sustained): even the peak uses few slots;
/// lower `size` to what the peak needs, saving the measured PSS.
std::optional<recommendation>
check_utilization_low(const pool_snapshot& p,
                      const recommendation_thresholds& t = {});

/// `queue_saturation`: requests were refused with `pool_saturated`; raise
/// `queue_size`, or `size` when the pool is busy most of the time.
std::optional<recommendation>
check_queue_saturation(const pool_snapshot& p,
                       const recommendation_thresholds& t = {});

/// `memory_high`: a worker is near `memory_threshold_mb`, or large with no
/// threshold; suggests a threshold from the median baseline.
std::optional<recommendation>
check_memory_high(const pool_snapshot& p,
                  const recommendation_thresholds& t = {});

/// `memory_growing`: the fastest-growing worker grows steadily; suggests
/// the recycling limits not yet set, computed from its growth.
std::optional<recommendation>
check_memory_growing(const pool_snapshot& p,
                     const recommendation_thresholds& t = {});

/// `gil_cpu_bound`: a thread worker runs CPU-bound Python under the GIL,
/// one core for all its threads; suggests the process profile.
std::optional<recommendation>
check_gil_cpu_bound(const pool_snapshot& p,
                    const recommendation_thresholds& t = {});

/// `idle_process_workers` (window, sustained): many worker processes, each
/// with its own interpreter, rarely busy; projects the thread profile's
/// memory.
std::optional<recommendation>
check_idle_process_workers(const pool_snapshot& p,
                           const recommendation_thresholds& t = {});

/// `threads_per_worker_range`: in the thread profile, too many threads per
/// worker (warning), more than the peak needs (info, window, sustained), or
/// too few for I/O-bound work (info, window). The most severe applies.
std::optional<recommendation>
check_threads_per_worker_range(const pool_snapshot& p,
                               const recommendation_thresholds& t = {});

/// `failures_recurring`: workers keep being replaced after crashes, missed
/// health checks or hung calls; the action names the keys per reason.
std::optional<recommendation>
check_failures_recurring(const pool_snapshot& p,
                         const recommendation_thresholds& t = {});

} // namespace snakepit
