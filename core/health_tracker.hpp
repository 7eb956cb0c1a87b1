#pragma once

/// Health checks as a state machine per worker: every `interval` the
/// caller pings the worker (on its own slot); a ping that fails or gets no
/// answer within `timeout` is a miss, and `max_misses` consecutive misses
/// make the worker unhealthy, to be killed and replaced. The tracker only
/// decides; the caller sends the pings and sets its timer from
/// `next_event`.

#include "core/clock.hpp"
#include "core/slot_table.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace snakepit {

/// How often and how strictly workers are probed.
struct health_settings {
  /// Time from one probe's answer to the next probe
  /// (`health_check_interval`).
  std::chrono::milliseconds interval{std::chrono::seconds{2}};
  /// A probe unanswered this long is a miss (`health_check_timeout`).
  std::chrono::milliseconds timeout{std::chrono::seconds{2}};
  /// Consecutive misses that make a worker unhealthy
  /// (`health_check_max_misses`); values below 1 count as 1.
  int max_misses = 3;
};

/// The outcome of one missed probe.
struct health_verdict {
  /// The worker.
  worker_key key = 0;
  /// Consecutive misses, this one included.
  int misses = 0;
  /// True exactly once per worker: on the miss that reached `max_misses`.
  /// The caller then kills and replaces the worker.
  bool unhealthy = false;
  /// Why the probe failed ("timeout" or the error's text).
  std::string reason;
};

/// Tracks probes and misses for the workers of one pool. Calls with an
/// unknown key are no-ops that return false (or nullopt). Not
/// thread-safe: one actor owns it.
class health_tracker {
public:
  /// A tracker using `settings` for every worker.
  explicit health_tracker(health_settings settings = {});

  /// Starts tracking a worker that became ready at `now`; its first probe
  /// is due at `now + interval`. False when `key` is already present.
  bool add_worker(worker_key key, time_point now);

  /// Forgets a worker (stopped, crashed or replaced).
  bool remove_worker(worker_key key);

  /// The healthy workers whose next probe is due at `now` and that have no
  /// probe outstanding, earliest due first (then by key). Marks a probe
  /// sent at `now` for each: the caller must send them.
  std::vector<worker_key> probes_due(time_point now);

  /// The outstanding probe of `key` was answered: resets its misses and
  /// schedules the next probe at `now + interval`. False (ignored) when
  /// unknown, unhealthy, or no probe is outstanding (a late answer to a
  /// probe already counted as timed out).
  bool probe_succeeded(worker_key key, time_point now);

  /// The outstanding probe of `key` failed (an error, or a timeout seen by
  /// the caller): counts a miss and, unless the worker is now unhealthy,
  /// schedules the next probe at `now + interval`. Nullopt (ignored) when
  /// unknown, unhealthy, or no probe is outstanding.
  std::optional<health_verdict> probe_failed(worker_key key, time_point now,
                                             std::string reason);

  /// Counts every probe outstanding for `timeout` or longer at `now` as a
  /// miss (reason "timeout"), as `probe_failed` would, and returns the
  /// verdicts so the caller can report them and replace the unhealthy.
  std::vector<health_verdict> timed_out(time_point now);

  /// The earliest time at which `probes_due` or `timed_out` has something
  /// to do; nullopt when no healthy worker is tracked.
  std::optional<time_point> next_event() const;

  /// Consecutive misses of `key`; 0 when unknown.
  int misses(worker_key key) const;

  /// True when `key` is known and was declared unhealthy.
  bool unhealthy(worker_key key) const;

  /// True when `key` is known and has a probe outstanding.
  bool probe_outstanding(worker_key key) const;

  /// When `key` is next probed; nullopt when unknown, unhealthy or a probe
  /// is outstanding.
  std::optional<time_point> next_probe(worker_key key) const;

  /// Number of tracked workers, unhealthy ones included.
  size_t size() const {
    return workers_.size();
  }

  /// True when `key` is a tracked worker.
  bool contains(worker_key key) const {
    return workers_.count(key) > 0;
  }

  /// The settings in use (`max_misses` at least 1).
  const health_settings& settings() const {
    return settings_;
  }

private:
  struct worker {
    time_point next_probe;
    std::optional<time_point> sent;
    int misses = 0;
    bool unhealthy = false;
  };

  health_verdict miss(worker_key key, worker& w, time_point now,
                      std::string reason);

  health_settings settings_;
  std::map<worker_key, worker> workers_;
};

} // namespace snakepit
