#include "core/session_holders.hpp"

#include "core/input_text.hpp"

namespace snakepit {

session_holders::session_holders(std::chrono::milliseconds ttl,
                                 std::size_t max_sessions)
  : ttl_(ttl), max_(max_sessions) {
}

session_route session_holders::route(const std::string& id) const {
  using kind = session_route::kind;
  if (auto problem = check_name("session_id", id, session_rules);
      !problem.empty())
    return {kind::invalid, 0, std::move(problem)};
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return {sessions_.size() >= max_ ? kind::full : kind::new_session};
  if (i->second.lost)
    return {kind::lost, i->second.holder, i->second.lost_reason};
  return {kind::holder, i->second.holder};
}

void session_holders::call_started(const std::string& id,
                                   std::size_t holder, time_point now) {
  auto [i, fresh] = sessions_.try_emplace(id);
  if (fresh)
    i->second.holder = holder;
  ++i->second.running;
  i->second.last_used = now;
}

void session_holders::call_ended(const std::string& id, time_point now) {
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return;
  if (i->second.running > 0)
    --i->second.running;
  if (!i->second.lost)
    i->second.last_used = now;
}

void session_holders::holder_gone(std::size_t holder,
                                  const std::string& reason,
                                  time_point now) {
  for (auto& [id, s] : sessions_)
    if (s.holder == holder && !s.lost) {
      s.lost = true;
      s.lost_reason = reason;
      s.last_used = now;
    }
}

void session_holders::forget(const std::string& id) {
  sessions_.erase(id);
}

std::size_t session_holders::expire(time_point now) {
  std::size_t forgotten = 0;
  for (auto i = sessions_.begin(); i != sessions_.end();) {
    const auto& s = i->second;
    // Lost sessions expire even while a call of them is still running (the
    // holder's failure answers it); running calls keep the others.
    bool idle = (s.running == 0 || s.lost)
                && deadline_after(s.last_used, ttl_) <= now;
    if (idle) {
      i = sessions_.erase(i);
      ++forgotten;
    } else {
      ++i;
    }
  }
  return forgotten;
}

} // namespace snakepit
