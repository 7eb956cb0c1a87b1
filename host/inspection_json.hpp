#pragma once

/// JSON of a pool inspection, as `snakepit inspect --format json` prints
/// it: every field of <snakepit/inspection.hpp> under its own name (documented in
/// docs/operations.md). Both directions, so the CLI can render what a host
/// sent. Recommendations go one way (host to CLI).

#include <nlohmann/json.hpp>

#include <snakepit/inspection.hpp>

#include "core/recommendations.hpp"

namespace snakepit {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(memory_figures, pss_bytes, uss_bytes,
                                   rss_bytes)

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(worker_inspection, id, pid, state, slots,
                                   busy, requests, uptime_seconds, memory,
                                   memory_baseline_bytes,
                                   memory_growth_bytes_per_hour, cpu_cores,
                                   python_version, implementation,
                                   free_threaded_build, gil_enabled)

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(pool_inspection, name, profile, adapter,
                                   size, live, starting, threads_per_worker,
                                   total_slots, busy_slots, free_slots,
                                   utilization, utilization_mean,
                                   utilization_peak, window_samples,
                                   window_seconds, queue_depth, queue_size,
                                   requests, saturated, errors, recycles,
                                   health_check_failures, memory_threshold_mb,
                                   worker_max_requests, uptime_seconds,
                                   failure, workers)

/// A recommendation as JSON: `rule`, `severity` ("info", "warning",
/// "critical"), `summary`, `evidence` (an array of {"name", "value"} in the
/// rule's order) and `action`.
inline void to_json(nlohmann::json& j, const recommendation& r) {
  auto evidence = nlohmann::json::array();
  for (const auto& [name, value] : r.evidence)
    evidence.push_back({{"name", name}, {"value", value}});
  j = nlohmann::json{{"rule", r.rule},
                     {"severity", to_string(r.level)},
                     {"summary", r.summary},
                     {"evidence", std::move(evidence)},
                     {"action", r.action}};
}

} // namespace snakepit
