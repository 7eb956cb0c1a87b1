#include "core/slot_table.hpp"

namespace snakepit {

bool slot_table::add(worker_key key, int slots) {
  if (slots < 1 || contains(key))
    return false;
  worker w;
  w.slots = slots;
  list(key, w);
  workers_.emplace(key, w);
  return true;
}

bool slot_table::remove(worker_key key) {
  auto i = workers_.find(key);
  if (i == workers_.end())
    return false;
  unlist(key, i->second);
  workers_.erase(i);
  return true;
}

bool slot_table::set_accepting(worker_key key, bool accepting) {
  auto i = workers_.find(key);
  if (i == workers_.end())
    return false;
  unlist(key, i->second);
  i->second.accepting = accepting;
  list(key, i->second);
  return true;
}

std::optional<worker_key> slot_table::acquire(time_point now) {
  if (candidates_.empty())
    return std::nullopt;
  auto key = std::get<2>(*candidates_.begin());
  acquire_on(key, now);
  return key;
}

bool slot_table::acquire_on(worker_key key, time_point now) {
  auto i = workers_.find(key);
  if (i == workers_.end() || !i->second.accepting
      || i->second.busy >= i->second.slots)
    return false;
  auto& w = i->second;
  unlist(key, w);
  ++w.busy;
  w.stamp = ++acquires_;
  w.last_acquired = now;
  list(key, w);
  return true;
}

bool slot_table::release(worker_key key) {
  auto i = workers_.find(key);
  if (i == workers_.end() || i->second.busy == 0)
    return false;
  unlist(key, i->second);
  --i->second.busy;
  list(key, i->second);
  return true;
}

int slot_table::busy(worker_key key) const {
  auto i = workers_.find(key);
  return i == workers_.end() ? 0 : i->second.busy;
}

int slot_table::slots(worker_key key) const {
  auto i = workers_.find(key);
  return i == workers_.end() ? 0 : i->second.slots;
}

bool slot_table::accepting(worker_key key) const {
  auto i = workers_.find(key);
  return i != workers_.end() && i->second.accepting;
}

std::optional<time_point> slot_table::last_acquired(worker_key key) const {
  auto i = workers_.find(key);
  if (i == workers_.end())
    return std::nullopt;
  return i->second.last_acquired;
}

int slot_table::total_slots() const {
  int total = 0;
  for (const auto& [key, w] : workers_)
    if (w.accepting)
      total += w.slots;
  return total;
}

int slot_table::busy_slots() const {
  int total = 0;
  for (const auto& [key, w] : workers_)
    total += w.busy;
  return total;
}

int slot_table::free_slots() const {
  int total = 0;
  for (const auto& [key, w] : workers_)
    if (w.accepting)
      total += w.slots - w.busy;
  return total;
}

void slot_table::unlist(worker_key key, const worker& w) {
  candidates_.erase(candidate{w.busy, w.stamp, key});
}

void slot_table::list(worker_key key, const worker& w) {
  if (w.accepting && w.busy < w.slots)
    candidates_.insert(candidate{w.busy, w.stamp, key});
}

} // namespace snakepit
