#include "core/recovery_backoff.hpp"

#include "core/restart_budget.hpp"

namespace snakepit {

using std::chrono::milliseconds;

recovery_backoff::recovery_backoff(milliseconds first, milliseconds cap)
  : first_(first), cap_(cap) {
  // nop
}

std::optional<milliseconds> recovery_backoff::next_delay() {
  if (first_ == milliseconds::max())
    return std::nullopt;
  return capped_backoff(first_, cap_, attempts_++);
}

} // namespace snakepit
