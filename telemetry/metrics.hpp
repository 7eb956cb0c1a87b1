#pragma once

/// Prometheus metrics from telemetry events and pool snapshots, rendered in
/// the text exposition format (version 0.0.4). Plain classes: no CAF, no
/// network.
///
/// From events (counters and the histogram):
///   snakepit_requests_total{pool,outcome}
///   snakepit_request_duration_seconds{pool,command,outcome} (histogram)
///   snakepit_worker_recycles_total{pool,reason}
///   snakepit_health_check_failures_total{pool}
///   snakepit_pool_failures_total{pool}
///   snakepit_pool_recoveries_total{pool,trigger}
///   snakepit_pool_failed{pool} (gauge: 1 from pool.failed to pool.recovered)
///   snakepit_sessions_created_total{pool}, snakepit_sessions_expired_total,
///   snakepit_sessions_lost_total, snakepit_sessions_moved_total
/// From the latest pool snapshot (gauges):
///   snakepit_workers{pool,state}            state: starting, idle, busy
///   snakepit_slots{pool}, snakepit_slots_busy{pool}
///   snakepit_queue_depth{pool}
///   snakepit_sessions{pool,state}           state: held, lost
///   snakepit_worker_memory_bytes{pool,worker}
/// `outcome` is "success", or the failure category of the request
/// (`request_executed::error`), or "failure" when none was given. No pid
/// labels.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <snakepit/snapshots.hpp>
#include <snakepit/telemetry/events.hpp>

namespace snakepit::telemetry {

/// Content-Type of the text exposition format.
inline constexpr const char* exposition_content_type =
  "text/plain; version=0.0.4; charset=utf-8";

/// Escapes a label value: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

/// Formats a sample value: shortest round-trip decimal, `+Inf`, `-Inf`, `NaN`.
std::string format_sample_value(double value);

/// Aggregates events and snapshots into metrics. Not thread-safe; see
/// `synchronized_metrics`.
class metrics {
public:
  /// Upper bounds (seconds) of the request duration buckets by default:
  /// 0.5 ms to 30 s.
  static std::vector<double> default_duration_buckets();

  /// `buckets` are upper bounds in seconds, ascending; `+Inf` is implied.
  explicit metrics(std::vector<double> buckets = default_duration_buckets());

  /// Counts an event (unknown events are ignored).
  void apply(const event& ev);

  /// Replaces the gauges of `snap.name`.
  void apply(const pool_snapshot& snap);

  /// Drops every series of `pool` (e.g. after the pool was removed).
  void forget_pool(const std::string& pool);

  /// The exposition text of every metric.
  std::string render() const;

private:
  struct histogram {
    std::vector<uint64_t> counts; // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };

  using pair_key = std::pair<std::string, std::string>;
  using triple_key = std::tuple<std::string, std::string, std::string>;

  void count(const request_executed& ev);
  void count(const worker_recycled& ev);
  void count(const worker_health_check_failed& ev);
  void count(const pool_failed& ev);
  void count(const pool_recovered& ev);
  void count(const session_created& ev);
  void count(const session_expired& ev);
  void count(const session_lost& ev);
  void count(const session_moved& ev);
  /// Appends the session counters to `out`.
  void render_session_counts(std::string& out) const;
  /// Events without a metric.
  template <class Event>
  void count(const Event&) {
  }

  std::vector<double> bounds_;
  std::map<std::string, pool_snapshot> pools_;
  std::map<pair_key, uint64_t> requests_;
  std::map<triple_key, histogram> durations_;
  std::map<pair_key, uint64_t> recycles_;
  std::map<std::string, uint64_t> health_failures_;
  std::map<std::string, uint64_t> pool_failures_;
  std::map<pair_key, uint64_t> pool_recoveries_;
  /// Per pool: failed now (1) or not (0), once it has an event.
  std::map<std::string, uint64_t> pool_failed_;
  /// Session events of a pool.
  struct session_counts {
    uint64_t created = 0;
    uint64_t expired = 0;
    uint64_t lost = 0;
    uint64_t moved = 0;
  };
  std::map<std::string, session_counts> sessions_;
};

/// `metrics` behind a mutex, shared by the sink that feeds it (inline in
/// `publish`, on the publishers' threads) and the endpoint that renders it.
/// Each call holds the lock briefly.
class synchronized_metrics {
public:
  /// See `metrics::metrics`.
  explicit synchronized_metrics(
    std::vector<double> buckets = metrics::default_duration_buckets())
    : metrics_(std::move(buckets)) {
  }

  /// See `metrics::apply`.
  template <class T>
  void apply(const T& x) {
    std::lock_guard<std::mutex> guard{mtx_};
    metrics_.apply(x);
  }

  /// See `metrics::forget_pool`.
  void forget_pool(const std::string& pool) {
    std::lock_guard<std::mutex> guard{mtx_};
    metrics_.forget_pool(pool);
  }

  /// See `metrics::render`. Renders a copy taken under the lock, so that
  /// publishers (which apply events inline) wait only for the copy.
  std::string render() const {
    std::unique_lock<std::mutex> guard{mtx_};
    auto copy = metrics_;
    guard.unlock();
    return copy.render();
  }

private:
  mutable std::mutex mtx_;
  metrics metrics_;
};

} // namespace snakepit::telemetry
