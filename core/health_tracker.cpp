#include "core/health_tracker.hpp"

#include <algorithm>
#include <utility>

namespace snakepit {

health_tracker::health_tracker(health_settings settings)
  : settings_(settings) {
  settings_.max_misses = std::max(settings_.max_misses, 1);
}

bool health_tracker::add_worker(worker_key key, time_point now) {
  if (contains(key))
    return false;
  worker w;
  w.next_probe = deadline_after(now, settings_.interval);
  workers_.emplace(key, w);
  return true;
}

bool health_tracker::remove_worker(worker_key key) {
  return workers_.erase(key) > 0;
}

std::vector<worker_key> health_tracker::probes_due(time_point now) {
  std::vector<std::pair<time_point, worker_key>> found;
  for (const auto& [key, w] : workers_)
    if (!w.unhealthy && !w.sent && w.next_probe != time_point::max()
        && w.next_probe <= now)
      found.emplace_back(w.next_probe, key);
  std::sort(found.begin(), found.end());
  std::vector<worker_key> result;
  result.reserve(found.size());
  for (const auto& [at, key] : found) {
    workers_.at(key).sent = now;
    result.push_back(key);
  }
  return result;
}

bool health_tracker::probe_succeeded(worker_key key, time_point now) {
  auto i = workers_.find(key);
  if (i == workers_.end() || i->second.unhealthy || !i->second.sent)
    return false;
  auto& w = i->second;
  w.sent.reset();
  w.misses = 0;
  w.next_probe = deadline_after(now, settings_.interval);
  return true;
}

std::optional<health_verdict>
health_tracker::probe_failed(worker_key key, time_point now,
                             std::string reason) {
  auto i = workers_.find(key);
  if (i == workers_.end() || i->second.unhealthy || !i->second.sent)
    return std::nullopt;
  return miss(key, i->second, now, std::move(reason));
}

std::vector<health_verdict> health_tracker::timed_out(time_point now) {
  std::vector<health_verdict> result;
  for (auto& [key, w] : workers_) {
    if (w.unhealthy || !w.sent)
      continue;
    // time_point::max() stands for an infinite timeout: never reached.
    auto deadline = deadline_after(*w.sent, settings_.timeout);
    if (deadline != time_point::max() && deadline <= now)
      result.push_back(miss(key, w, now, "timeout"));
  }
  return result;
}

std::optional<time_point> health_tracker::next_event() const {
  std::optional<time_point> result;
  for (const auto& [key, w] : workers_) {
    if (w.unhealthy)
      continue;
    auto at = w.sent ? deadline_after(*w.sent, settings_.timeout)
                     : w.next_probe;
    if (at == time_point::max())
      continue;
    if (!result || at < *result)
      result = at;
  }
  return result;
}

int health_tracker::misses(worker_key key) const {
  auto i = workers_.find(key);
  return i == workers_.end() ? 0 : i->second.misses;
}

bool health_tracker::unhealthy(worker_key key) const {
  auto i = workers_.find(key);
  return i != workers_.end() && i->second.unhealthy;
}

bool health_tracker::probe_outstanding(worker_key key) const {
  auto i = workers_.find(key);
  return i != workers_.end() && i->second.sent.has_value();
}

std::optional<time_point> health_tracker::next_probe(worker_key key) const {
  auto i = workers_.find(key);
  if (i == workers_.end() || i->second.unhealthy || i->second.sent)
    return std::nullopt;
  return i->second.next_probe;
}

health_verdict health_tracker::miss(worker_key key, worker& w,
                                    time_point now, std::string reason) {
  w.sent.reset();
  ++w.misses;
  health_verdict result;
  result.key = key;
  result.misses = w.misses;
  result.reason = std::move(reason);
  if (w.misses >= settings_.max_misses) {
    w.unhealthy = true;
    result.unhealthy = true;
  } else {
    w.next_probe = deadline_after(now, settings_.interval);
  }
  return result;
}

} // namespace snakepit
