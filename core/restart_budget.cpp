#include "core/restart_budget.hpp"

#include <algorithm>

namespace snakepit {

using std::chrono::milliseconds;

restart_budget::restart_budget(int max_restarts, milliseconds period,
                               milliseconds backoff, milliseconds backoff_max)
  : max_restarts_(max_restarts),
    period_(period),
    backoff_(backoff),
    backoff_max_(backoff_max) {
  // nop
}

restart_decision restart_budget::record_failure(time_point now) {
  while (!failures_.empty() && now - failures_.front() >= period_)
    failures_.pop_front();
  failures_.push_back(now);
  restart_decision result;
  result.failures_in_period = static_cast<int>(failures_.size());
  if (result.failures_in_period > max_restarts_) {
    result.allowed = false;
    return result;
  }
  result.delay = backoff_for(result.failures_in_period);
  return result;
}

void restart_budget::reset() {
  failures_.clear();
}

milliseconds restart_budget::backoff_for(int failures) const {
  if (failures <= 1)
    return milliseconds{0};
  auto delay = std::min(backoff_, backoff_max_);
  // Doubling stops at the cap, so it cannot overflow.
  for (int i = 2; i < failures && delay < backoff_max_; ++i)
    delay = std::min(delay * 2, backoff_max_);
  return delay;
}

} // namespace snakepit
