#include "core/recycle_policy.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>
#include <utility>

namespace snakepit {

using std::chrono::milliseconds;

namespace {

constexpr std::array<std::pair<recycle_reason, std::string_view>, 7> names{{
  {recycle_reason::ttl, "ttl"},
  {recycle_reason::max_requests, "max_requests"},
  {recycle_reason::memory, "memory"},
  {recycle_reason::manual, "manual"},
  {recycle_reason::crashed, "crashed"},
  {recycle_reason::unhealthy, "unhealthy"},
  {recycle_reason::timeout, "timeout"},
}};

// Largest double that still converts to int64_t without overflow.
constexpr double max_count = 9.2e18;

double clamp_unit(double x) {
  if (!(x >= 0)) // also NaN
    return 0;
  return std::min(x, 1.0);
}

} // namespace

std::string to_string(recycle_reason reason) {
  for (const auto& [r, name] : names)
    if (r == reason)
      return std::string{name};
  return "unknown";
}

std::optional<recycle_reason>
recycle_reason_from_string(std::string_view name) {
  for (const auto& [r, n] : names)
    if (n == name)
      return r;
  return std::nullopt;
}

random_source seeded_random(uint64_t seed) {
  return [state = seed]() mutable {
    // SplitMix64; the top 53 bits make a double in [0, 1).
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
  };
}

recycle_policy::recycle_policy(recycle_limits limits, random_source random)
  : limits_(limits), random_(std::move(random)) {
  limits_.jitter = clamp_unit(limits_.jitter);
  // `parse_duration` spells infinity as milliseconds::max().
  if (limits_.ttl && *limits_.ttl == milliseconds::max())
    limits_.ttl.reset();
}

recycle_policy::recycle_policy(recycle_limits limits, uint64_t seed)
  : recycle_policy(limits, seeded_random(seed)) {
  // nop
}

double recycle_policy::draw_factor() {
  double r = random_ ? clamp_unit(random_()) : 0.5;
  return 1.0 - limits_.jitter + 2.0 * limits_.jitter * r;
}

bool recycle_policy::add_worker(worker_key key, time_point started) {
  if (contains(key))
    return false;
  worker w;
  w.started = started;
  if (limits_.ttl) {
    double ms = std::round(static_cast<double>(limits_.ttl->count())
                           * draw_factor());
    ms = std::clamp(ms, 0.0, max_count);
    w.limits.ttl = milliseconds{static_cast<int64_t>(ms)};
  }
  if (limits_.max_requests) {
    double n = std::round(static_cast<double>(*limits_.max_requests)
                          * draw_factor());
    n = std::clamp(n, 1.0, max_count);
    w.limits.max_requests = static_cast<int64_t>(n);
  }
  if (limits_.memory_threshold_mb)
    w.limits.memory_threshold_mb = *limits_.memory_threshold_mb
                                   * draw_factor();
  workers_.emplace(key, w);
  return true;
}

bool recycle_policy::remove_worker(worker_key key) {
  auto i = workers_.find(key);
  if (i == workers_.end())
    return false;
  if (i->second.recycling)
    --in_progress_;
  workers_.erase(i);
  return true;
}

bool recycle_policy::record_request(worker_key key, int64_t n) {
  auto i = workers_.find(key);
  if (i == workers_.end())
    return false;
  auto& w = i->second;
  w.requests += n;
  if (w.limits.max_requests && !w.count_due_seq
      && w.requests >= *w.limits.max_requests)
    w.count_due_seq = ++seq_;
  return true;
}

bool recycle_policy::record_memory(worker_key key, double pss_mb,
                                   time_point now) {
  auto i = workers_.find(key);
  if (i == workers_.end())
    return false;
  auto& w = i->second;
  const auto& threshold = w.limits.memory_threshold_mb;
  bool over = threshold && pss_mb > *threshold;
  if (!w.baseline_mb) {
    w.baseline_mb = pss_mb;
    if (over) {
      w.over_at_birth = true;
      birth_reports_.push_back(birth_report{key, pss_mb, *threshold});
      return true;
    }
  }
  if (over && !w.over_at_birth && !w.memory_due_since)
    w.memory_due_since = now;
  return true;
}

bool recycle_policy::request_manual(worker_key key) {
  auto i = workers_.find(key);
  if (i == workers_.end() || i->second.recycling)
    return false;
  if (!i->second.manual_seq)
    i->second.manual_seq = ++seq_;
  return true;
}

std::optional<recycle_policy::candidate>
recycle_policy::check(worker_key key, const worker& w, time_point now) const {
  // Within a reason, `since` orders the time-based ones and `seq` the
  // event-based ones; the other field stays constant.
  if (w.manual_seq)
    return candidate{0, time_point{}, *w.manual_seq, key,
                     recycle_reason::manual};
  if (w.memory_due_since)
    return candidate{1, *w.memory_due_since, 0, key, recycle_reason::memory};
  if (w.count_due_seq)
    return candidate{2, time_point{}, *w.count_due_seq, key,
                     recycle_reason::max_requests};
  if (w.limits.ttl) {
    auto at = deadline_after(w.started, *w.limits.ttl);
    if (at != time_point::max() && now >= at)
      return candidate{3, at, 0, key, recycle_reason::ttl};
  }
  return std::nullopt;
}

std::vector<recycle_order> recycle_policy::due(time_point now) const {
  std::vector<recycle_order> result;
  int room = limits_.max_concurrent - in_progress_;
  if (room <= 0)
    return result;
  std::vector<candidate> found;
  for (const auto& [key, w] : workers_) {
    if (w.recycling)
      continue;
    if (auto c = check(key, w, now))
      found.push_back(*c);
  }
  std::sort(found.begin(), found.end(),
            [](const candidate& a, const candidate& b) {
              return std::tie(a.rank, a.since, a.seq, a.key)
                     < std::tie(b.rank, b.since, b.seq, b.key);
            });
  auto n = std::min(found.size(), static_cast<size_t>(room));
  for (size_t i = 0; i < n; ++i)
    result.push_back(recycle_order{found[i].key, found[i].reason});
  return result;
}

bool recycle_policy::recycle_started(worker_key key) {
  auto i = workers_.find(key);
  if (i == workers_.end() || i->second.recycling)
    return false;
  i->second.recycling = true;
  ++in_progress_;
  return true;
}

bool recycle_policy::recycle_finished(worker_key key) {
  auto i = workers_.find(key);
  if (i == workers_.end() || !i->second.recycling)
    return false;
  --in_progress_;
  workers_.erase(i);
  return true;
}

bool recycle_policy::recycle_cancelled(worker_key key) {
  auto i = workers_.find(key);
  if (i == workers_.end() || !i->second.recycling)
    return false;
  i->second.recycling = false;
  --in_progress_;
  return true;
}

std::vector<birth_report> recycle_policy::take_birth_reports() {
  return std::exchange(birth_reports_, {});
}

std::optional<worker_limits> recycle_policy::limits_of(worker_key key) const {
  auto i = workers_.find(key);
  if (i == workers_.end())
    return std::nullopt;
  return i->second.limits;
}

int64_t recycle_policy::requests(worker_key key) const {
  auto i = workers_.find(key);
  return i == workers_.end() ? 0 : i->second.requests;
}

std::optional<double> recycle_policy::baseline_mb(worker_key key) const {
  auto i = workers_.find(key);
  if (i == workers_.end())
    return std::nullopt;
  return i->second.baseline_mb;
}

bool recycle_policy::over_limit_at_birth(worker_key key) const {
  auto i = workers_.find(key);
  return i != workers_.end() && i->second.over_at_birth;
}

bool recycle_policy::recycling(worker_key key) const {
  auto i = workers_.find(key);
  return i != workers_.end() && i->second.recycling;
}

} // namespace snakepit
