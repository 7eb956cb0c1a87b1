#pragma once

/// The recent utilization of a pool: the last samples of busy and total
/// slots (one per lifecycle interval), with their mean and peak. Plain and
/// clock-free: the caller passes the time of each sample.

#include "core/clock.hpp"

#include <cstddef>
#include <deque>

namespace snakepit {

/// A sliding window of at most `capacity` utilization samples.
class utilization_window {
public:
  /// Keeps the last `capacity` samples (at least 1).
  explicit utilization_window(std::size_t capacity = 60);

  /// Records `busy` of `total` slots at `at`; a sample with no slots counts
  /// as utilization 0.
  void add(time_point at, int busy, int total);

  /// Mean of busy / total over the window; 0 when empty.
  double mean() const;

  /// Highest busy / total in the window; 0 when empty.
  double peak() const;

  /// Samples in the window.
  std::size_t samples() const {
    return samples_.size();
  }

  /// Seconds from the oldest to the newest sample; 0 with fewer than two.
  double seconds() const;

private:
  struct sample {
    time_point at;
    double utilization;
  };

  std::size_t capacity_;
  std::deque<sample> samples_;
};

} // namespace snakepit
