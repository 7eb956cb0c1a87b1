#include "core/group_balancer.hpp"

namespace snakepit {

int64_t free_capacity(const pool_snapshot& s) {
  return static_cast<int64_t>(s.free_slots)
         - static_cast<int64_t>(s.queue_depth);
}

bool takes_requests(const pool_snapshot& s) {
  return s.failed.code == error_code::none && !s.stopping;
}

group_balancer::group_balancer(group_strategy strategy, std::size_t members)
  : strategy_(strategy), members_(members) {
}

void group_balancer::report(std::size_t member, const pool_snapshot& s) {
  if (!takes_requests(s)) {
    report_down(member);
    return;
  }
  auto& m = members_.at(member);
  m.up = true;
  m.snapshot_free = free_capacity(s);
  m.in_flight_at_snapshot = m.in_flight;
}

void group_balancer::report_down(std::size_t member) {
  members_.at(member).up = false;
}

std::optional<std::size_t> group_balancer::pick() {
  std::optional<std::size_t> best;
  for (std::size_t k = 0; k < members_.size(); ++k) {
    auto i = (next_ + k) % members_.size();
    if (!members_[i].up)
      continue;
    if (strategy_ == group_strategy::round_robin) {
      best = i;
      break;
    }
    // Strictly more: of equal headrooms the first after the last pick wins.
    if (!best || headroom(i) > headroom(*best))
      best = i;
  }
  if (!best)
    return std::nullopt;
  next_ = (*best + 1) % members_.size();
  sent(*best);
  return best;
}

void group_balancer::sent(std::size_t member) {
  ++members_.at(member).in_flight;
}

void group_balancer::answered(std::size_t member) {
  auto& m = members_.at(member);
  if (m.in_flight > 0)
    --m.in_flight;
}

bool group_balancer::up(std::size_t member) const {
  return members_.at(member).up;
}

int64_t group_balancer::headroom(std::size_t member) const {
  const auto& m = members_.at(member);
  return m.snapshot_free - (m.in_flight - m.in_flight_at_snapshot);
}

int64_t group_balancer::in_flight(std::size_t member) const {
  return members_.at(member).in_flight;
}

} // namespace snakepit
