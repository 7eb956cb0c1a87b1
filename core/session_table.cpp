#include "core/session_table.hpp"

#include <algorithm>

namespace snakepit {

std::string to_string(affinity_mode mode) {
  switch (mode) {
    case affinity_mode::hint:
      return "hint";
    case affinity_mode::strict_queue:
      return "strict_queue";
    case affinity_mode::strict_fail_fast:
      return "strict_fail_fast";
    default:
      return "pool_default";
  }
}

std::optional<affinity_mode> affinity_mode_from_string(std::string_view s) {
  for (auto mode : {affinity_mode::pool_default, affinity_mode::hint,
                    affinity_mode::strict_queue,
                    affinity_mode::strict_fail_fast})
    if (to_string(mode) == s)
      return mode;
  return std::nullopt;
}

session_route session_table::route(const std::string& id, affinity_mode mode,
                                   const slot_table& slots) const {
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return session_route::any_new;
  const auto& s = i->second;
  switch (s.state) {
    case session_state::lost:
      return session_route::lost;
    case session_state::moving:
      return mode == affinity_mode::strict_fail_fast ? session_route::busy
                                                      : session_route::wait;
    default:
      break;
  }
  if (slots.accepting(s.owner) && slots.busy(s.owner) < slots.slots(s.owner))
    return session_route::owner;
  switch (mode) {
    case affinity_mode::hint:
      return session_route::any;
    case affinity_mode::strict_fail_fast:
      return session_route::busy;
    default:
      return session_route::wait;
  }
}

bool session_table::call_started(const std::string& id, worker_key worker,
                                 time_point now) {
  auto [i, created] = sessions_.try_emplace(id);
  auto& s = i->second;
  if (created)
    s.owner = worker;
  s.last_used = now;
  if (worker == s.owner)
    ++s.running;
  else if (std::find(s.visitors.begin(), s.visitors.end(), worker)
           == s.visitors.end())
    s.visitors.push_back(worker);
  return created;
}

void session_table::call_ended(const std::string& id, worker_key worker,
                               time_point now) {
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return;
  auto& s = i->second;
  if (s.state != session_state::lost)
    s.last_used = now;
  if (worker == s.owner && s.running > 0)
    --s.running;
}

const session_entry* session_table::find(const std::string& id) const {
  auto i = sessions_.find(id);
  return i == sessions_.end() ? nullptr : &i->second;
}

std::vector<std::string> session_table::owned_by(worker_key worker) const {
  std::vector<std::string> out;
  for (const auto& [id, s] : sessions_)
    if (s.owner == worker && s.state != session_state::lost)
      out.push_back(id);
  return out;
}

std::vector<std::string> session_table::moving_to(worker_key worker) const {
  std::vector<std::string> out;
  for (const auto& [id, s] : sessions_)
    if (s.state == session_state::moving && s.move_to == worker)
      out.push_back(id);
  return out;
}

void session_table::forget_visitor(worker_key worker) {
  for (auto& [id, s] : sessions_)
    s.visitors.erase(std::remove(s.visitors.begin(), s.visitors.end(), worker),
                     s.visitors.end());
}

bool session_table::lose(const std::string& id, std::string reason,
                         time_point now) {
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return false;
  auto& s = i->second;
  s.state = session_state::lost;
  s.lost_reason = std::move(reason);
  s.last_used = now;
  s.running = 0;
  s.move_to = 0;
  // Its visitors keep their state of it until it is closed or expires.
  return true;
}

bool session_table::begin_move(const std::string& id, worker_key to) {
  auto i = sessions_.find(id);
  if (i == sessions_.end() || i->second.state != session_state::active)
    return false;
  i->second.state = session_state::moving;
  i->second.move_to = to;
  return true;
}

bool session_table::ready_to_move(const std::string& id) const {
  auto s = find(id);
  return s != nullptr && s->state == session_state::moving && s->running == 0;
}

void session_table::finish_move(const std::string& id, time_point now) {
  auto i = sessions_.find(id);
  if (i == sessions_.end() || i->second.state != session_state::moving)
    return;
  auto& s = i->second;
  s.visitors.erase(std::remove(s.visitors.begin(), s.visitors.end(),
                               s.move_to),
                   s.visitors.end());
  s.owner = s.move_to;
  s.move_to = 0;
  s.state = session_state::active;
  s.last_used = now;
}

std::optional<session_entry> session_table::erase(const std::string& id) {
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return std::nullopt;
  auto entry = std::move(i->second);
  sessions_.erase(i);
  return entry;
}

std::vector<std::string> session_table::idle(
  time_point now, std::chrono::milliseconds ttl) const {
  std::vector<std::string> out;
  for (const auto& [id, s] : sessions_) {
    bool quiet = s.state == session_state::lost
                 || (s.state == session_state::active && s.running == 0);
    if (quiet && deadline_after(s.last_used, ttl) <= now)
      out.push_back(id);
  }
  return out;
}

std::optional<time_point> session_table::oldest_use() const {
  std::optional<time_point> oldest;
  for (const auto& [id, s] : sessions_)
    if (!oldest || s.last_used < *oldest)
      oldest = s.last_used;
  return oldest;
}

std::size_t session_table::count(session_state state) const {
  return static_cast<std::size_t>(
    std::count_if(sessions_.begin(), sessions_.end(),
                  [state](const auto& kv) { return kv.second.state == state; }));
}

} // namespace snakepit
