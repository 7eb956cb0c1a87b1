#pragma once

/// When a failed pool tries to come back. After it fails, the pool waits,
/// then starts one worker (a half-open probe); if the probe becomes ready
/// the pool restarts all its workers, if not it waits longer: the first
/// delay, then twice as long after each failed probe, up to a cap. An
/// infinite first delay means no automatic recovery at all.

#include <chrono>
#include <optional>

namespace snakepit {

/// Delays between the recovery probes of one failed pool.
class recovery_backoff {
public:
  /// Probes wait `first`, then twice as long each time, at most `cap`;
  /// `first == milliseconds::max()` turns automatic recovery off.
  recovery_backoff(std::chrono::milliseconds first,
                   std::chrono::milliseconds cap);

  /// The delay before the next probe, counted as one more attempt; nullopt
  /// when automatic recovery is off.
  std::optional<std::chrono::milliseconds> next_delay();

  /// Probes scheduled since the pool failed (or since `reset`).
  int attempts() const {
    return attempts_;
  }

  /// The pool is back at full strength, or restarted by hand: the next
  /// failure starts again at `first`. (A pool whose probe succeeds but
  /// which fails again before all its workers are ready keeps backing off.)
  void reset() {
    attempts_ = 0;
  }

private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds cap_;
  int attempts_ = 0;
};

} // namespace snakepit
