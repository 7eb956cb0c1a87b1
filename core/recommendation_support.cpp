#include "core/recommendation_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace snakepit::recommendation_detail {

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, x);
  return buf;
}

std::string mib(double bytes) {
  return fixed(bytes / bytes_per_mib, 1) + " MiB";
}

// Whole percent, rounded down: 89.9% reads "89%", not the 90% of a
// threshold it has not reached.
std::string percent(double ratio) {
  return cat(static_cast<int64_t>(std::floor(ratio * 100 + 1e-6)), "%");
}

std::string cores(double x) {
  return fixed(x, 2) + " cores";
}

int ceil_int(double x) {
  return static_cast<int>(std::ceil(x - epsilon));
}

int ceil_div(int a, int b) {
  return (a + b - 1) / b;
}

std::string pool_label(const pool_snapshot& p) {
  return cat("Pool \"", p.name, "\"");
}

std::string worker_label(const worker_snapshot& w,
                         const pool_snapshot& p) {
  return cat("Worker \"", w.id, "\" of pool \"", p.name, "\"");
}

bool is_thread(const pool_snapshot& p) {
  return p.profile == "thread";
}

int slots_per_worker(const pool_snapshot& p) {
  return is_thread(p) ? std::max(1, p.threads_per_worker) : 1;
}

// The configured slots, which the computed sizes are relative to.
int configured_slots(const pool_snapshot& p) {
  return std::max(1, p.size) * slots_per_worker(p);
}

// Slots that carry `busy` busy slots at the target utilization; at least 1.
int slots_for(double busy, const recommendation_thresholds& t) {
  return std::max(1, ceil_int(busy / t.target_utilization));
}

bool window_ready(const pool_snapshot& p,
                  const recommendation_thresholds& t) {
  return p.window_samples >= t.min_window_samples;
}

bool window_sustained(const pool_snapshot& p,
                      const recommendation_thresholds& t) {
  return p.window_samples >= t.sustained_window_samples;
}

std::string window_text(const pool_snapshot& p) {
  return cat(p.window_samples, " samples (", fixed(p.window_seconds, 0),
             " s)");
}

std::pair<std::string, std::string> window_evidence(const pool_snapshot& p) {
  return {"window", window_text(p)};
}

// "1.5 of 8": busy slots out of the configured ones.
std::string busy_of(double busy, const pool_snapshot& p) {
  return cat(fixed(busy, 1), " of ", configured_slots(p));
}

std::string of_workers(int n, const pool_snapshot& p) {
  return cat(n, " of ", p.workers.size());
}

// ": it covers the peak at 60% utilization."
std::string covers_at_target(const char* what,
                             const recommendation_thresholds& t) {
  return cat(": it covers the ", what, " at ",
             percent(t.target_utilization), " utilization");
}

// Mean PSS of the workers measured so far; 0 when none is.
double mean_pss(const pool_snapshot& p) {
  double sum = 0;
  int n = 0;
  for (const auto& w : p.workers)
    if (w.memory.pss_bytes > 0) {
      sum += static_cast<double>(w.memory.pss_bytes);
      ++n;
    }
  return n > 0 ? sum / n : 0;
}

// Median baseline PSS of the workers that have one; 0 when none has.
double median_baseline(const pool_snapshot& p) {
  std::vector<double> xs;
  for (const auto& w : p.workers)
    if (w.memory_baseline_bytes > 0)
      xs.push_back(static_cast<double>(w.memory_baseline_bytes));
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto mid = xs.size() / 2;
  return xs.size() % 2 == 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

// Among the workers with a PSS of at least `bytes`, the largest, and how
// many there are.
const worker_snapshot* largest_from(const pool_snapshot& p, double bytes,
                                      int& count) {
  const worker_snapshot* largest = nullptr;
  count = 0;
  for (const auto& w : p.workers) {
    auto pss = static_cast<double>(w.memory.pss_bytes);
    if (pss <= 0 || pss < bytes)
      continue;
    ++count;
    if (!largest || w.memory.pss_bytes > largest->memory.pss_bytes)
      largest = &w;
  }
  return largest;
}

int64_t recycles_for(const pool_snapshot& p, const std::string& reason) {
  auto i = p.recycles.find(reason);
  return i == p.recycles.end() ? 0 : i->second;
}

recommendation make(std::string rule, severity level, std::string summary,
                    evidence_list evidence, std::string action) {
  return recommendation{std::move(rule), level, std::move(summary),
                        std::move(evidence), std::move(action)};
}

recommendation pool_failed(const pool_snapshot& p) {
  return make("pool_failed", severity::critical,
              cat(pool_label(p), " has failed: ", p.failed.message),
              {{"failure", p.failed.message}},
              "Fix the cause the failure names (the adapter, its imports, "
              "the Python environment); the pool probes by itself "
              "(`recovery_backoff`) and comes back once a worker starts, or "
              "restart it now with `snakepit restart`. `max_restarts` within "
              "`restart_period` is how many failed starts it tolerates.");
}

recommendation warming_up(const pool_snapshot& p,
                          const recommendation_thresholds& t) {
  return make("warming_up", severity::info,
              cat(pool_label(p), " has ", p.window_samples, " of the ",
                  t.min_window_samples,
                  " utilization samples the load rules need."),
              {{"window_samples", cat(p.window_samples)},
               {"window_seconds", fixed(p.window_seconds, 0) + " s"}},
              cat("Inspect again after ",
                  t.min_window_samples - p.window_samples,
                  " more `lifecycle_interval`s."));
}

} // namespace snakepit::recommendation_detail
