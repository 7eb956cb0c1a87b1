#pragma once

/// snakepit_lifecycle_bench: what worker recycling and telemetry cost a
/// pool under steady load, and what inspecting it costs. Four A/B
/// comparisons, each in one run with alternating rounds (A, B, A, B, ...):
///   - recycling off vs on (`run_recycling`, lifecycle_recycling.cpp);
///   - telemetry off vs on (`run_telemetry`, lifecycle_telemetry.cpp);
///   - no inspector vs an inspector polling the pool (`run_inspector`,
///     lifecycle_inspector.cpp);
///   - recycling off vs on under heavy churn, one B per way of starting
///     workers: plain spawns, the fork server, the fork server with 2
///     spares (`run_churn`, lifecycle_churn.cpp).
/// This header holds what they share: the options, the per-round record
/// and the printing of rounds, medians and ratios (lifecycle_common.cpp).

#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <snakepit/config.hpp>

#include "bench/json_report.hpp"
#include "bench/stats.hpp"
#include "bench/load_driver.hpp"

namespace snakepit {
class client;
class host;
} // namespace snakepit

namespace snakepit::bench {

/// Command-line options of the benchmark.
struct lifecycle_options {
  /// A/B pairs per comparison, and the length of each round. Many short
  /// rounds rather than a few long ones: on a shared machine a burst of
  /// another job lasts seconds and spoils the round it falls in, and the
  /// median of 20 rounds per side shrugs off several of them where that of
  /// 5 does not (5 x 4 s once gave telemetry B/A 1.13, 20 x 1 s gives
  /// 0.91-0.94 on the same machine).
  int rounds = 20;
  double seconds = 1;
  /// Concurrent callers of the steady load.
  int callers = 4;
  /// Worker processes of every pool (process profile, 1 slot each).
  int workers = 2;
  /// Recycling comparison: `sleep` duration of each request.
  int sleep_ms = 5;
  /// Recycling comparison: each worker of B should be recycled about this
  /// often at the calibrated rate.
  double recycle_every_s = 3;
  /// Recycling comparison: B's `worker_max_requests`; 0 computes it from
  /// the calibration round and `recycle_every_s`.
  int64_t max_requests = 0;
  /// Churn comparison: its callers (instead of `callers`) and B's
  /// `worker_max_requests`.
  int churn_callers = 8;
  int64_t churn_max_requests = 25;
  /// Warm-up calls per caller on every pool before its first round.
  int warmup = 50;
  /// Telemetry comparison, what B attaches: "both" (a counting callback
  /// subscriber and the Prometheus endpoint), "exporter" or "subscriber".
  std::string telemetry_b = "both";
  /// Inspector comparison: B's inspector calls `client::inspect` this
  /// often during its rounds.
  int inspect_every_ms = 100;
  /// Inspector comparison: inspections of the idle pool.
  int inspections = 200;
  /// "recycling", "telemetry", "inspector", "churn" or empty for all.
  std::string only;
  std::string log_level = "warn";
  std::string json_path;
  bool quick = false;
};

/// A host config with one pool `pool_name` of `opts.workers` showcase
/// workers, process profile, no recycling, no exporters.
host_config base_config(const std::string& pool_name,
                        const lifecycle_options& opts);

/// Starts a host on `cfg` and waits until its pool is ready; prints how
/// long that took under `label`. nullptr (and a message on stderr) when it
/// did not start.
std::unique_ptr<host> start_host(const host_config& cfg,
                                 const std::string& label);

/// `opts.warmup` calls per caller of `command` on `pool` (the first calls
/// of a fresh interpreter pay for imports and caches); false, and the
/// failure printed, when a call failed.
bool warm_up(client& c, const std::string& pool, const std::string& command,
             const std::string& args_json, const lifecycle_options& opts);

/// Waits until the telemetry subscriber `who` has handled everything
/// published before this call (`telemetry::sync_atom`); false on timeout.
bool sync_subscriber(caf::actor_system& sys, const caf::actor& who);

/// One side (A or B) of a comparison: its rounds in order.
struct ab_side {
  std::string label;
  path_summary summary;
  /// Failure lines of all its rounds ("round 2: +1.234 s caller 0: ...").
  std::vector<std::string> failures;
};

/// User plus system CPU time of this process so far, seconds (every
/// thread: callers, CAF, gRPC; not the Python workers).
double process_cpu_seconds();

/// Runs one timed round against `pool` and records its summary (with the
/// bench process's CPU per request) and failure lines in `side`; returns
/// the raw result for further checks.
load_result measure_round(ab_side& side, int round, client& c,
                           const std::string& pool, const std::string& command,
                           const std::string& args_json,
                           const lifecycle_options& opts);

/// Prints the line of `side`'s latest round, followed by `extra`.
void print_round(const ab_side& side, const std::string& extra = {});

/// Prints the column heading of the round lines.
void print_round_header();

/// Prints the medians of A and B, the ratios B/A of throughput, p50 and
/// p99 (ratio of the medians, and median of the per-round ratios), the
/// failed count and whether throughput B/A meets `target` (if any);
/// returns all of it as JSON (keys "a", "b", "ratios", "ratios_per_round",
/// "target", "failed").
json print_ab_summary(const ab_side& a, const ab_side& b,
                      std::optional<double> target);

/// The load of a comparison as JSON: `command`, its arguments, callers,
/// workers, rounds and seconds per round.
json load_json(const lifecycle_options& opts, const std::string& command,
               const std::string& args_json);

/// Prints every failure line of `side` (none: nothing).
void print_failures(const ab_side& side);

/// The comparisons; each prints its own section, records it in `out` and
/// returns false when a request failed or it could not measure what it
/// claims to.
bool run_recycling(const lifecycle_options& opts, json& out);
bool run_telemetry(const lifecycle_options& opts, json& out);
bool run_inspector(const lifecycle_options& opts, json& out);
bool run_churn(const lifecycle_options& opts, json& out);

} // namespace snakepit::bench
