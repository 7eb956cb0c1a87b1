#include "core/group_sessions.hpp"

namespace snakepit {

group_sessions::group_sessions(std::chrono::milliseconds ttl,
                               std::size_t max_sessions)
  : ttl_(ttl), max_(max_sessions) {
}

group_session_route group_sessions::route(const std::string& id) const {
  using kind = group_session_route::kind;
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return {sessions_.size() >= max_ ? kind::full : kind::new_session};
  if (i->second.lost)
    return {kind::lost, i->second.member, i->second.lost_reason};
  return {kind::member, i->second.member};
}

void group_sessions::call_started(const std::string& id, std::size_t member,
                                  time_point now) {
  auto [i, fresh] = sessions_.try_emplace(id);
  if (fresh)
    i->second.member = member;
  ++i->second.running;
  i->second.last_used = now;
}

void group_sessions::call_ended(const std::string& id, time_point now) {
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return;
  if (i->second.running > 0)
    --i->second.running;
  if (!i->second.lost)
    i->second.last_used = now;
}

void group_sessions::member_stopped(std::size_t member,
                                    const std::string& reason,
                                    time_point now) {
  for (auto& [id, s] : sessions_)
    if (s.member == member && !s.lost) {
      s.lost = true;
      s.lost_reason = reason;
      s.last_used = now;
    }
}

void group_sessions::forget(const std::string& id) {
  sessions_.erase(id);
}

std::size_t group_sessions::expire(time_point now) {
  std::size_t forgotten = 0;
  for (auto i = sessions_.begin(); i != sessions_.end();) {
    const auto& s = i->second;
    // Lost sessions stay lost even while a call of them is still running
    // (the member's failure answers it); running calls keep others.
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
