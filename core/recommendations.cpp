// Severity names, the queue and failure rules, and `recommend`, which runs
// every rule (the load rules are in recommendations_load.cpp, the memory
// rules in recommendations_memory.cpp).

#include "core/recommendation_support.hpp"

#include <algorithm>
#include <cmath>

namespace snakepit {

using namespace recommendation_detail;

std::string to_string(severity level) {
  switch (level) {
    case severity::info:
      return "info";
    case severity::warning:
      return "warning";
    case severity::critical:
      return "critical";
  }
  return "unknown";
}

std::optional<recommendation>
check_queue_saturation(const pool_snapshot& p,
                       const recommendation_thresholds& t) {
  if (p.saturated <= 0)
    return std::nullopt;
  auto critical = static_cast<double>(p.saturated)
                  > t.saturation_critical_ratio
                      * static_cast<double>(p.requests_answered);
  evidence_list evidence{{"saturated", cat(p.saturated)},
                         {"queue_size", cat(p.queue_size)},
                         {"requests_answered", cat(p.requests_answered)}};
  std::string action;
  if (window_ready(p, t) && p.utilization_mean >= t.utilization_warning) {
    evidence.emplace_back("utilization_mean", percent(p.utilization_mean));
    action = "The pool is busy most of the time: raise `size` (see "
             "utilization_high); a longer queue would only delay the "
             "refusals.";
  } else {
    action = cat("Raise `queue_size` to ",
                 std::max<uint64_t>(1, p.queue_size) * 2,
                 " to absorb the bursts (queued requests wait up to "
                 "`queue_timeout`); raise `size` if they then time out in "
                 "the queue.");
  }
  return make("queue_saturation",
              critical ? severity::critical : severity::warning,
              cat(pool_label(p), " refused ", p.saturated,
                  " requests with a full queue (queue_size ", p.queue_size,
                  ") against ", p.requests_answered, " answered."),
              std::move(evidence), action);
}

std::optional<recommendation>
check_failures_recurring(const pool_snapshot& p,
                         const recommendation_thresholds& t) {
  auto crashed = recycles_for(p, "crashed");
  auto unhealthy = recycles_for(p, "unhealthy");
  auto timeout = recycles_for(p, "timeout");
  auto replaced = crashed + unhealthy + timeout;
  auto missed = p.health_check_failures;
  auto missed_many = missed >= t.health_check_failures_warning;
  if (replaced < t.failures_warning && !missed_many)
    return std::nullopt;
  std::string action = "By reason";
  const char* separator = ": ";
  auto step = [&action, &separator](const char* text) {
    action += separator;
    action += text;
    separator = "; ";
  };
  if (crashed > 0)
    step("crashed: read the crash tail (the last output lines on the "
         "`worker_crashed` errors and in the host log); crashes never fail "
         "the pool, and requests marked `idempotent` are retried once on "
         "another worker");
  if (unhealthy > 0 || missed_many)
    step("unhealthy: pings went unanswered within `health_check_timeout`; "
         "raise it if the workers are only slow (e.g. long calls holding "
         "the GIL)");
  if (timeout > 0)
    step("timeout: calls outran `request_timeout` plus `hung_call_grace`; "
         "raise `request_timeout` if such calls are legitimate, else find "
         "where they hang");
  return make("failures_recurring",
              replaced >= t.failures_critical ? severity::critical
                                              : severity::warning,
              cat(pool_label(p),
                  replaced > 0 ? cat(" replaced ", replaced,
                                     " workers after failures (", crashed,
                                     " crashed, ", unhealthy, " unhealthy, ",
                                     timeout, " timed out)")
                               : std::string{},
                  replaced > 0 && missed > 0 ? " and" : "",
                  missed > 0 ? cat(" missed ", missed, " health checks")
                             : std::string{},
                  "."),
              {{"recycles_crashed", cat(crashed)},
               {"recycles_unhealthy", cat(unhealthy)},
               {"recycles_timeout", cat(timeout)},
               {"health_check_failures", cat(missed)}},
              action + ".");
}

std::vector<recommendation>
recommend(const pool_snapshot& p, const recommendation_thresholds& t) {
  if (p.failed.code != error_code::none)
    return {pool_failed(p)};
  std::vector<recommendation> out;
  if (!window_ready(p, t))
    out.push_back(warming_up(p, t));
  for (auto check : {check_utilization, check_utilization_low,
                     check_queue_saturation, check_memory_high,
                     check_memory_growing, check_gil_cpu_bound,
                     check_idle_process_workers,
                     check_threads_per_worker_range,
                     check_failures_recurring})
    if (auto r = check(p, t))
      out.push_back(std::move(*r));
  std::stable_sort(out.begin(), out.end(),
                   [](const recommendation& a, const recommendation& b) {
                     return a.level > b.level;
                   });
  return out;
}

} // namespace snakepit
