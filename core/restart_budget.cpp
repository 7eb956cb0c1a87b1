#include "core/restart_budget.hpp"

#include <algorithm>
#include <limits>

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

restart_budget restart_budget::unlimited(milliseconds period,
                                         milliseconds backoff,
                                         milliseconds backoff_max) {
  return restart_budget{std::numeric_limits<int>::max(), period, backoff,
                        backoff_max};
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

milliseconds capped_backoff(milliseconds first, milliseconds cap,
                            int doublings) {
  auto delay = std::min(first, cap);
  // Doubling stops at the cap, so it cannot overflow.
  for (int i = 0; i < doublings && delay < cap; ++i)
    delay = delay > cap / 2 ? cap : delay * 2;
  return delay;
}

milliseconds restart_budget::backoff_for(int failures) const {
  if (failures <= 1)
    return milliseconds{0};
  return capped_backoff(backoff_, backoff_max_, failures - 2);
}

} // namespace snakepit
