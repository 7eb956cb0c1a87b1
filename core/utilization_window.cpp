#include "core/utilization_window.hpp"

#include <algorithm>

namespace snakepit {

utilization_window::utilization_window(std::size_t capacity)
  : capacity_(std::max<std::size_t>(capacity, 1)) {
  // nop
}

void utilization_window::add(time_point at, int busy, int total) {
  double u = total > 0 ? static_cast<double>(busy) / total : 0.0;
  samples_.push_back(sample{at, std::clamp(u, 0.0, 1.0)});
  if (samples_.size() > capacity_)
    samples_.pop_front();
}

double utilization_window::mean() const {
  if (samples_.empty())
    return 0;
  double sum = 0;
  for (const auto& s : samples_)
    sum += s.utilization;
  return sum / static_cast<double>(samples_.size());
}

double utilization_window::peak() const {
  double out = 0;
  for (const auto& s : samples_)
    out = std::max(out, s.utilization);
  return out;
}

double utilization_window::seconds() const {
  if (samples_.size() < 2)
    return 0;
  return std::chrono::duration<double>(samples_.back().at
                                       - samples_.front().at)
    .count();
}

} // namespace snakepit
