// The memory rules: high and growing PSS.

#include "core/recommendation_support.hpp"

#include <algorithm>
#include <cmath>

namespace snakepit {

using namespace recommendation_detail;

std::optional<recommendation>
check_memory_high(const pool_snapshot& p,
                  const recommendation_thresholds& t) {
  auto limit = p.memory_threshold_mb * bytes_per_mib;
  auto bounded = limit > 0;
  int count = 0;
  auto w = largest_from(p,
                        bounded ? t.memory_threshold_share * limit
                                : static_cast<double>(t.memory_unlimited_bytes),
                        count);
  if (!w)
    return std::nullopt;
  auto pss = static_cast<double>(w->memory.pss_bytes);
  auto baseline = median_baseline(p);
  evidence_list evidence{{"worker", w->id},
                         {"pss", mib(pss)},
                         {"workers_over", of_workers(count, p)},
                         {"memory_baseline_median", mib(baseline)}};
  // A threshold the workers already start near only recycles them in a
  // loop: base the suggestion on where they start.
  auto base = baseline > 0 ? baseline : pss;
  auto suggest = cat(
    "`memory_threshold_mb = ",
    ceil_int(t.memory_threshold_factor * base / bytes_per_mib), "` (",
    fixed(t.memory_threshold_factor, 1), "x ",
    baseline > 0 ? "the median baseline" : "its PSS", " of ", mib(base), ")");
  if (!bounded)
    return make("memory_high", severity::warning,
                cat(worker_label(*w, p), " uses ", mib(pss),
                    " of PSS with no memory_threshold_mb set."),
                std::move(evidence),
                cat("Set ", suggest,
                    " so that a worker that keeps growing is recycled."));
  evidence.emplace_back("memory_threshold_mb", mib(limit));
  evidence.emplace_back("recycles_memory", cat(recycles_for(p, "memory")));
  auto action =
    baseline >= t.memory_threshold_share * limit
      ? cat("The workers start near the threshold: raise it to ", suggest,
            ", or they are recycled over and over.")
      : "Nothing if it is rare: the worker is recycled at the threshold. "
        "If memory recycles are frequent, look for what the adapter keeps "
        "between calls (see memory_growing).";
  return make("memory_high", severity::warning,
              cat(worker_label(*w, p), " uses ", mib(pss), " of PSS, ",
                  percent(pss / limit), " of memory_threshold_mb."),
              std::move(evidence), action);
}

std::optional<recommendation>
check_memory_growing(const pool_snapshot& p,
                     const recommendation_thresholds& t) {
  const worker_snapshot* w = nullptr;
  int growing = 0;
  for (const auto& x : p.workers) {
    auto rate = x.memory_growth_bytes_per_hour;
    auto min_rate =
      std::max(static_cast<double>(t.growth_min_bytes_per_hour),
               t.growth_min_baseline_share
                 * static_cast<double>(x.memory_baseline_bytes));
    if (rate <= 0 || rate < min_rate)
      continue;
    ++growing;
    if (!w || rate > w->memory_growth_bytes_per_hour)
      w = &x;
  }
  if (!w)
    return std::nullopt;
  auto baseline = static_cast<double>(w->memory_baseline_bytes);
  auto pss = static_cast<double>(w->memory.pss_bytes);
  auto rate = w->memory_growth_bytes_per_hour;
  auto hours = t.growth_allowance_hours;
  std::vector<std::string> options;
  if (p.memory_threshold_mb <= 0)
    options.push_back(
      cat("`memory_threshold_mb = ",
          ceil_int((baseline + hours * rate) / bytes_per_mib),
          "` (baseline + ", fixed(hours, 0), " h of growth)"));
  auto grown_mib = (pss - baseline) / bytes_per_mib;
  if (p.worker_max_requests <= 0 && w->requests_dispatched > 0
      && grown_mib > 0) {
    auto per_mib = static_cast<double>(w->requests_dispatched) / grown_mib;
    auto n = std::llround(per_mib * rate / bytes_per_mib * hours);
    options.push_back(cat("`worker_max_requests = ", std::max(1LL, n),
                          "` (", fixed(per_mib, 1),
                          " requests per MiB of growth, ", fixed(hours, 0),
                          " h worth)"));
  }
  std::string action;
  if (options.empty())
    action = cat("Both recycling limits are set (memory_threshold_mb ",
                 fixed(p.memory_threshold_mb, 0), ", worker_max_requests ",
                 p.worker_max_requests,
                 "), so it is recycled in time; look for state the adapter "
                 "keeps across calls.");
  else
    action = cat("Set ", options[0],
                 options.size() > 1 ? ", or " + options[1] : std::string{},
                 ".");
  return make("memory_growing", severity::warning,
              cat(worker_label(*w, p), " grows ", mib(rate), "/h, from ",
                  mib(baseline), " to ", mib(pss), "."),
              {{"worker", w->id},
               {"memory_growth", mib(rate) + "/h"},
               {"memory_baseline", mib(baseline)},
               {"pss", mib(pss)},
               {"uptime", fixed(w->uptime_seconds / 3600, 1) + " h"},
               {"requests_dispatched", cat(w->requests_dispatched)},
               {"workers_growing", of_workers(growing, p)}},
              action);
}

} // namespace snakepit
