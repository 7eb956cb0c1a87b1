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

namespace {

/// The entry of `worker` in `running`, or its end.
template <class Calls>
auto calls_of(Calls& running, worker_key worker) {
  return std::find_if(running.begin(), running.end(),
                      [worker](const auto& c) { return c.worker == worker; });
}

/// Removes `key` from `keys`; true when it was there.
bool remove_key(std::vector<worker_key>& keys, worker_key key) {
  auto i = std::find(keys.begin(), keys.end(), key);
  if (i == keys.end())
    return false;
  keys.erase(i);
  return true;
}

} // namespace

int session_entry::running_on(worker_key worker) const {
  auto c = calls_of(running, worker);
  return c == running.end() ? 0 : c->count;
}

int session_entry::running_total() const {
  int n = 0;
  for (const auto& c : running)
    n += c.count;
  return n;
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
    case session_state::closing:
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
  if (created) {
    s.owner = worker;
    ++counts_[static_cast<std::size_t>(s.state)];
  }
  s.last_used = now;
  if (auto c = calls_of(s.running, worker); c != s.running.end())
    ++c->count;
  else
    s.running.push_back(session_calls{worker, 1});
  if (worker != s.owner
      && std::find(s.visitors.begin(), s.visitors.end(), worker)
           == s.visitors.end())
    s.visitors.push_back(worker);
  return created;
}

bool session_table::call_ended(const std::string& id, worker_key worker,
                               time_point now) {
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return false;
  auto& s = i->second;
  if (s.state == session_state::active || s.state == session_state::moving)
    s.last_used = now;
  auto c = calls_of(s.running, worker);
  if (c == s.running.end())
    return false;
  if (--c->count > 0)
    return false;
  s.running.erase(c);
  return s.state == session_state::closing
         && std::find(s.close_pending.begin(), s.close_pending.end(), worker)
              != s.close_pending.end();
}

const session_entry* session_table::find(const std::string& id) const {
  auto i = sessions_.find(id);
  return i == sessions_.end() ? nullptr : &i->second;
}

std::vector<std::string> session_table::owned_by(worker_key worker) const {
  std::vector<std::string> out;
  for (const auto& [id, s] : sessions_)
    if (s.owner == worker
        && (s.state == session_state::active
            || s.state == session_state::moving))
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

void session_table::forget_worker(worker_key worker) {
  for (auto c = closes_.begin(); c != closes_.end();)
    c = c->second.second == worker ? closes_.erase(c) : std::next(c);
  for (auto i = sessions_.begin(); i != sessions_.end();) {
    auto& s = i->second;
    remove_key(s.visitors, worker);
    if (auto c = calls_of(s.running, worker); c != s.running.end())
      s.running.erase(c);
    if (s.state == session_state::closing && remove_key(s.close_pending, worker)
        && s.close_pending.empty()) {
      auto gone = i++;
      drop(gone);
      continue;
    }
    ++i;
  }
}

bool session_table::lose(const std::string& id, std::string reason,
                         time_point now) {
  auto i = sessions_.find(id);
  if (i == sessions_.end() || i->second.state == session_state::closing)
    return false;
  auto& s = i->second;
  set_state(s, session_state::lost);
  s.lost_reason = std::move(reason);
  s.last_used = now;
  s.move_to = 0;
  // Its visitors keep their state of it until it is closed or expires;
  // calls of it still running keep it from expiring.
  return true;
}

std::optional<session_close> session_table::close(const std::string& id) {
  auto i = sessions_.find(id);
  if (i == sessions_.end() || i->second.state == session_state::closing)
    return std::nullopt;
  auto& s = i->second;
  session_close out{s, {}};
  auto holders = s.visitors;
  if (s.state != session_state::lost)
    holders.push_back(s.owner);
  if (s.state == session_state::moving
      && std::find(holders.begin(), holders.end(), s.move_to)
           == holders.end())
    holders.push_back(s.move_to);
  for (auto key : holders)
    if (s.running_on(key) == 0)
      out.close_now.push_back(key);
  if (holders.empty()) {
    drop(i);
    return out;
  }
  set_state(s, session_state::closing);
  s.close_pending = std::move(holders);
  s.move_to = 0;
  return out;
}

void session_table::await_close(uint64_t op, const std::string& id,
                                worker_key worker) {
  closes_.insert_or_assign(op, std::make_pair(id, worker));
}

bool session_table::close_done(uint64_t op) {
  auto c = closes_.find(op);
  if (c == closes_.end())
    return false;
  auto [id, worker] = std::move(c->second);
  closes_.erase(c);
  auto i = sessions_.find(id);
  if (i == sessions_.end() || i->second.state != session_state::closing
      || !remove_key(i->second.close_pending, worker)
      || !i->second.close_pending.empty())
    return false;
  drop(i);
  return true;
}

bool session_table::begin_move(const std::string& id, worker_key to) {
  auto i = sessions_.find(id);
  if (i == sessions_.end() || i->second.state != session_state::active)
    return false;
  set_state(i->second, session_state::moving);
  i->second.move_to = to;
  return true;
}

bool session_table::ready_to_move(const std::string& id) const {
  auto s = find(id);
  return s != nullptr && s->state == session_state::moving
         && s->running_on(s->owner) == 0;
}

void session_table::finish_move(const std::string& id, time_point now) {
  auto i = sessions_.find(id);
  if (i == sessions_.end() || i->second.state != session_state::moving)
    return;
  auto& s = i->second;
  set_state(s, session_state::active);
  remove_key(s.visitors, s.move_to);
  s.owner = s.move_to;
  s.move_to = 0;
  s.last_used = now;
}

void session_table::await_move(uint64_t op, session_move move) {
  note_moving(move.from, +1);
  moves_.insert_or_assign(op, std::move(move));
}

std::optional<session_move> session_table::take_move(uint64_t op) {
  auto i = moves_.find(op);
  if (i == moves_.end())
    return std::nullopt;
  auto move = std::move(i->second);
  moves_.erase(i);
  note_moving(move.from, -1);
  return move;
}

bool session_table::moving_from(worker_key worker) const {
  return moving_from_.count(worker) > 0;
}

std::vector<std::string> session_table::idle(
  time_point now, std::chrono::milliseconds ttl) const {
  std::vector<std::string> out;
  for (const auto& [id, s] : sessions_) {
    bool quiet = (s.state == session_state::lost
                  || s.state == session_state::active)
                 && s.running.empty();
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

void session_table::set_state(session_entry& s, session_state to) {
  if (s.state == session_state::moving)
    note_moving(s.owner, -1);
  --counts_[static_cast<std::size_t>(s.state)];
  s.state = to;
  ++counts_[static_cast<std::size_t>(to)];
  if (to == session_state::moving)
    note_moving(s.owner, +1);
}

void session_table::drop(iterator i) {
  auto& s = i->second;
  if (s.state == session_state::moving)
    note_moving(s.owner, -1);
  --counts_[static_cast<std::size_t>(s.state)];
  sessions_.erase(i);
}

void session_table::note_moving(worker_key worker, int delta) {
  auto& n = moving_from_[worker];
  n = static_cast<std::size_t>(static_cast<long long>(n) + delta);
  if (n == 0)
    moving_from_.erase(worker);
}

} // namespace snakepit
