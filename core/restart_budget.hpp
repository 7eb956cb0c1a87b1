#pragma once

/// Crash-loop guard in OTP terms: a supervisor may restart at most
/// `max_restarts` times within `period` (intensity/period, OTP's MaxR and
/// MaxT); beyond that it gives up and escalates. Restarts after the first
/// one in a period wait with exponential backoff so a crashing adapter
/// does not spin. An `unlimited` budget never escalates but backs off the
/// same way: the charge of crashes that must never fail a pool.

#include "core/clock.hpp"

#include <chrono>
#include <deque>

namespace snakepit {

/// `first * 2^doublings`, at most `cap`; never overflows.
std::chrono::milliseconds capped_backoff(std::chrono::milliseconds first,
                                         std::chrono::milliseconds cap,
                                         int doublings);

/// What to do about one failure.
struct restart_decision {
  /// False when the intensity is exceeded: do not restart, escalate.
  bool allowed = true;
  /// Wait this long before restarting (0 when not allowed).
  std::chrono::milliseconds delay{0};
  /// Failures within the period, this one included.
  int failures_in_period = 0;
};

/// Counts failures in a sliding window and decides on restarts.
class restart_budget {
public:
  /// Up to `max_restarts` restarts per `period`; the second failure in a
  /// period waits `backoff`, each further one twice as long, at most
  /// `backoff_max`.
  restart_budget(int max_restarts, std::chrono::milliseconds period,
                 std::chrono::milliseconds backoff,
                 std::chrono::milliseconds backoff_max);

  /// A budget that allows every restart (never escalates) but delays them
  /// like any other: at once for the only failure in `period`, then
  /// `backoff` doubling up to `backoff_max`.
  static restart_budget unlimited(std::chrono::milliseconds period,
                                  std::chrono::milliseconds backoff,
                                  std::chrono::milliseconds backoff_max);

  /// Records a failure at `now`, forgetting failures at or before
  /// `now - period`, and decides: escalate when more than `max_restarts`
  /// failures remain; otherwise restart at once if this is the only one,
  /// else after backoff * 2^(failures - 2), capped at backoff_max.
  restart_decision record_failure(time_point now);

  /// Forgets all failures (e.g. after a pool was restarted from scratch).
  void reset();

private:
  std::chrono::milliseconds backoff_for(int failures) const;

  int max_restarts_;
  std::chrono::milliseconds period_;
  std::chrono::milliseconds backoff_;
  std::chrono::milliseconds backoff_max_;
  std::deque<time_point> failures_;
};

} // namespace snakepit
