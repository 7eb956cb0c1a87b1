#include "core/recommendations.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <type_traits>

namespace snakepit {

namespace {

using evidence_list = std::vector<std::pair<std::string, std::string>>;

constexpr double bytes_per_mib = 1024.0 * 1024.0;

// Tolerance for figures computed in floating point (0.8 * 3 / 0.6 is a
// hair above 4), so a ceiling or a threshold does not step past the value.
constexpr double epsilon = 1e-9;

// Concatenates strings and integers. Doubles are refused: each has its own
// unit and precision (fixed, mib, percent, cores).
template <class... Ts>
std::string cat(const Ts&... xs) {
  std::string out;
  auto append = [&out](const auto& x) {
    using type = std::decay_t<decltype(x)>;
    static_assert(!std::is_floating_point_v<type>, "format doubles first");
    if constexpr (std::is_integral_v<type>)
      out += std::to_string(x);
    else
      out += x;
  };
  (append(xs), ...);
  return out;
}

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

std::string pool_label(const pool_inspection& p) {
  return cat("Pool \"", p.name, "\"");
}

std::string worker_label(const worker_inspection& w,
                         const pool_inspection& p) {
  return cat("Worker \"", w.id, "\" of pool \"", p.name, "\"");
}

bool is_thread(const pool_inspection& p) {
  return p.profile == "thread";
}

int slots_per_worker(const pool_inspection& p) {
  return is_thread(p) ? std::max(1, p.threads_per_worker) : 1;
}

// The configured slots, which the computed sizes are relative to.
int configured_slots(const pool_inspection& p) {
  return std::max(1, p.size) * slots_per_worker(p);
}

// Slots that carry `busy` busy slots at the target utilization; at least 1.
int slots_for(double busy, const recommendation_thresholds& t) {
  return std::max(1, ceil_int(busy / t.target_utilization));
}

bool window_ready(const pool_inspection& p,
                  const recommendation_thresholds& t) {
  return p.window_samples >= t.min_window_samples;
}

bool window_sustained(const pool_inspection& p,
                      const recommendation_thresholds& t) {
  return p.window_samples >= t.sustained_window_samples;
}

std::string window_text(const pool_inspection& p) {
  return cat(p.window_samples, " samples (", fixed(p.window_seconds, 0),
             " s)");
}

std::pair<std::string, std::string> window_evidence(const pool_inspection& p) {
  return {"window", window_text(p)};
}

// "1.5 of 8": busy slots out of the configured ones.
std::string busy_of(double busy, const pool_inspection& p) {
  return cat(fixed(busy, 1), " of ", configured_slots(p));
}

std::string of_workers(int n, const pool_inspection& p) {
  return cat(n, " of ", p.workers.size());
}

// ": it covers the peak at 60% utilization."
std::string covers_at_target(const char* what,
                             const recommendation_thresholds& t) {
  return cat(": it covers the ", what, " at ",
             percent(t.target_utilization), " utilization");
}

// Mean PSS of the workers measured so far; 0 when none is.
double mean_pss(const pool_inspection& p) {
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
double median_baseline(const pool_inspection& p) {
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
const worker_inspection* largest_from(const pool_inspection& p, double bytes,
                                      int& count) {
  const worker_inspection* largest = nullptr;
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

int64_t recycles_for(const pool_inspection& p, const std::string& reason) {
  auto i = p.recycles.find(reason);
  return i == p.recycles.end() ? 0 : i->second;
}

recommendation make(std::string rule, severity level, std::string summary,
                    evidence_list evidence, std::string action) {
  return recommendation{std::move(rule), level, std::move(summary),
                        std::move(evidence), std::move(action)};
}

recommendation pool_failed(const pool_inspection& p) {
  return make("pool_failed", severity::critical,
              cat(pool_label(p), " has failed: ", p.failure),
              {{"failure", p.failure}},
              "Fix the cause the failure names (the adapter, its imports, "
              "the Python environment, a crash loop), then start the pool "
              "again; `max_restarts` within `restart_period` is how many "
              "worker restarts it tolerates.");
}

recommendation warming_up(const pool_inspection& p,
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

// The three findings of threads_per_worker_range, most severe first.

std::optional<recommendation>
too_many_threads(const pool_inspection& p,
                 const recommendation_thresholds& t) {
  auto tpw = slots_per_worker(p);
  auto max = t.max_threads_per_worker;
  if (tpw <= max)
    return std::nullopt;
  auto slots = configured_slots(p);
  return make("threads_per_worker_range", severity::warning,
              cat(pool_label(p), " runs ", tpw,
                  " threads per worker, more than ", max,
                  ": contention and per-thread memory grow with them."),
              {{"threads_per_worker", cat(tpw)}, {"size", cat(p.size)}},
              cat("Set `threads_per_worker = ", max, "` and `size = ",
                  ceil_div(slots, max), "` to keep ", slots, " slots."));
}

std::optional<recommendation>
unused_threads(const pool_inspection& p, const recommendation_thresholds& t) {
  auto tpw = slots_per_worker(p);
  auto peak_busy = p.utilization_peak * configured_slots(p);
  if (!window_sustained(p, t) || peak_busy >= t.threads_needed_share * tpw)
    return std::nullopt;
  auto need = ceil_div(slots_for(peak_busy, t), std::max(1, p.size));
  if (need >= tpw)
    return std::nullopt;
  return make("threads_per_worker_range", severity::info,
              cat(pool_label(p), " peaks at ", fixed(peak_busy, 1),
                  " busy slots over ", window_text(p), ", under ",
                  percent(t.threads_needed_share), " of its ", tpw,
                  " threads per worker."),
              {{"threads_per_worker", cat(tpw)},
               {"busy_slots_peak", busy_of(peak_busy, p)},
               window_evidence(p)},
              cat("Lower `threads_per_worker` to ", need, " (at size = ",
                  std::max(1, p.size), ")", covers_at_target("peak", t),
                  "."));
}

std::optional<recommendation>
io_bound_threads(const pool_inspection& p,
                 const recommendation_thresholds& t) {
  if (!window_ready(p, t) || p.utilization_mean < t.utilization_warning
      || p.workers.empty())
    return std::nullopt;
  double max_cpu = 0;
  for (const auto& w : p.workers) {
    if (!w.gil_enabled)
      return std::nullopt;
    max_cpu = std::max(max_cpu, w.cpu_cores);
  }
  auto tpw = slots_per_worker(p);
  auto size = std::max(1, p.size);
  auto busy = p.utilization_mean * configured_slots(p);
  auto need = std::min(t.max_threads_per_worker,
                       ceil_div(slots_for(busy, t), size));
  if (max_cpu >= t.io_bound_cpu_cores || need <= tpw)
    return std::nullopt;
  return make("threads_per_worker_range", severity::info,
              cat(pool_label(p), " waits on I/O with its slots full: ",
                  percent(p.utilization_mean),
                  " mean utilization at most ", cores(max_cpu),
                  " per worker."),
              {{"threads_per_worker", cat(tpw)},
               {"utilization_mean", percent(p.utilization_mean)},
               {"cpu_max", cores(max_cpu)},
               window_evidence(p)},
              cat("Raise `threads_per_worker` to ", need, " (at size = ",
                  size,
                  "): the calls wait rather than compute, so threads cost "
                  "little."));
}

} // namespace

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
check_utilization(const pool_inspection& p,
                  const recommendation_thresholds& t) {
  if (!window_ready(p, t) || p.utilization_mean < t.utilization_warning)
    return std::nullopt;
  auto critical = p.utilization_mean >= t.utilization_critical
                  || p.queue_depth > 0;
  auto slots = configured_slots(p);
  auto busy = p.utilization_mean * slots;
  auto needed = std::max(slots + 1, slots_for(busy, t));
  auto why = cat(": ", needed, " slots run the mean ", fixed(busy, 1),
                 " busy slots at ", percent(t.target_utilization),
                 " utilization.");
  auto tpw = slots_per_worker(p);
  auto size = std::max(1, p.size);
  auto threads = ceil_div(needed, size);
  auto workers = cat("`size` to ", ceil_div(needed, tpw));
  std::string action;
  if (!is_thread(p))
    action = cat("Raise ", workers, why);
  else if (threads > t.max_threads_per_worker)
    action = cat("Raise ", workers, " (at threads_per_worker = ", tpw, ")",
                 why);
  else
    action = cat("Raise `threads_per_worker` to ", threads, " (at size = ",
                 size, ") if the calls wait on I/O or release the GIL, else ",
                 workers, " (at threads_per_worker = ", tpw, ")", why);
  return make(
    "utilization_high", critical ? severity::critical : severity::warning,
    cat(pool_label(p), " runs at ", percent(p.utilization_mean),
        " mean utilization over ", window_text(p),
        p.queue_depth > 0 ? cat(", with ", p.queue_depth,
                                " requests queued now.")
                          : std::string{"."}),
    {{"utilization_mean", percent(p.utilization_mean)},
     {"utilization_peak", percent(p.utilization_peak)},
     {"busy_slots_mean", busy_of(busy, p)},
     {"queue_depth", cat(p.queue_depth)},
     window_evidence(p)},
    action);
}

std::optional<recommendation>
check_utilization_low(const pool_inspection& p,
                      const recommendation_thresholds& t) {
  if (!window_sustained(p, t) || p.size <= 1
      || p.utilization_peak >= t.utilization_low_peak)
    return std::nullopt;
  auto peak_busy = p.utilization_peak * configured_slots(p);
  auto size = ceil_div(slots_for(peak_busy, t), slots_per_worker(p));
  if (size >= p.size)
    return std::nullopt;
  evidence_list evidence{{"utilization_peak", percent(p.utilization_peak)},
                         {"busy_slots_peak", busy_of(peak_busy, p)},
                         {"size", cat(p.size)},
                         window_evidence(p)};
  auto action = cat("Lower `size` to ", size,
                    is_thread(p) ? cat(" (at threads_per_worker = ",
                                       slots_per_worker(p), ")")
                                 : std::string{},
                    covers_at_target("peak", t));
  if (auto pss = mean_pss(p); pss > 0) {
    evidence.emplace_back("worker_pss_mean", mib(pss));
    action += cat("; saves about ", p.size - size, " x ", mib(pss), " = ",
                  mib((p.size - size) * pss), " of PSS");
  }
  return make("utilization_low", severity::info,
              cat(pool_label(p), " peaks at ", percent(p.utilization_peak),
                  " utilization over ", window_text(p), " with ", p.size,
                  " workers."),
              std::move(evidence), action + ".");
}

std::optional<recommendation>
check_queue_saturation(const pool_inspection& p,
                       const recommendation_thresholds& t) {
  if (p.saturated <= 0)
    return std::nullopt;
  auto critical = static_cast<double>(p.saturated)
                  > t.saturation_critical_ratio
                      * static_cast<double>(p.requests);
  evidence_list evidence{{"saturated", cat(p.saturated)},
                         {"queue_size", cat(p.queue_size)},
                         {"requests", cat(p.requests)}};
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
                  ") against ", p.requests, " answered."),
              std::move(evidence), action);
}

std::optional<recommendation>
check_memory_high(const pool_inspection& p,
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
check_memory_growing(const pool_inspection& p,
                     const recommendation_thresholds& t) {
  const worker_inspection* w = nullptr;
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
  if (p.worker_max_requests <= 0 && w->requests > 0 && grown_mib > 0) {
    auto per_mib = static_cast<double>(w->requests) / grown_mib;
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
               {"requests", cat(w->requests)},
               {"workers_growing", of_workers(growing, p)}},
              action);
}

std::optional<recommendation>
check_gil_cpu_bound(const pool_inspection& p,
                    const recommendation_thresholds& t) {
  if (!is_thread(p))
    return std::nullopt;
  const worker_inspection* w = nullptr;
  for (const auto& x : p.workers)
    if (x.gil_enabled && x.busy >= t.gil_min_busy_slots
        && x.cpu_cores >= t.gil_cpu_cores - epsilon
        && (!w || x.cpu_cores > w->cpu_cores))
      w = &x;
  if (!w)
    return std::nullopt;
  return make("gil_cpu_bound", severity::warning,
              cat(pool_label(p), " runs CPU-bound Python under the GIL: "
                                 "worker \"",
                  w->id, "\" uses ", cores(w->cpu_cores), " for ", w->busy,
                  " busy slots."),
              {{"worker", w->id},
               {"busy_slots", cat(w->busy, " of ", w->slots)},
               {"cpu", cores(w->cpu_cores)},
               {"gil_enabled", "true"},
               {"python_version", w->python_version}},
              cat("Set `profile = \"process\"` and `size = ",
                  std::max(p.busy_slots, w->busy),
                  "` (the busy slots now, at most the cores you can give "
                  "it) and remove `threads_per_worker`: each process has "
                  "its own GIL (docs/profiles.md)."));
}

std::optional<recommendation>
check_idle_process_workers(const pool_inspection& p,
                           const recommendation_thresholds& t) {
  if (is_thread(p) || p.size < t.idle_min_size || !window_sustained(p, t)
      || p.utilization_peak > t.idle_peak_utilization + epsilon)
    return std::nullopt;
  double total = 0;
  for (const auto& w : p.workers)
    total += static_cast<double>(w.memory.pss_bytes);
  auto one = mean_pss(p);
  auto peak_busy = p.utilization_peak * configured_slots(p);
  auto threads = std::max(1, ceil_int(peak_busy * t.thread_headroom));
  auto per_thread = static_cast<double>(t.thread_overhead_bytes);
  auto projected = one + threads * per_thread;
  if (one <= 0 || projected >= total)
    return std::nullopt;
  return make(
    "idle_process_workers", severity::info,
    cat(pool_label(p), " keeps ", p.size,
        " worker processes, each with its own interpreter, for a peak of ",
        fixed(peak_busy, 1), " busy slots over ", window_text(p), "."),
    {{"size", cat(p.size)},
     {"utilization_peak", percent(p.utilization_peak)},
     {"busy_slots_peak", busy_of(peak_busy, p)},
     {"worker_pss_total", mib(total)},
     {"worker_pss_mean", mib(one)},
     {"projected_pss", mib(projected) + " (estimate)"},
     window_evidence(p)},
    cat("If the adapter is thread-safe (docs/thread_safety.md) and its "
        "calls wait on I/O or release the GIL, set `profile = \"thread\"`, "
        "`size = 1`, `threads_per_worker = ",
        threads, "`: about ", mib(projected), " (one worker's ", mib(one),
        " + ", threads, " threads x ", mib(per_thread),
        ", an estimate) instead of ", mib(total), ", saving about ",
        mib(total - projected), "."));
}

std::optional<recommendation>
check_threads_per_worker_range(const pool_inspection& p,
                               const recommendation_thresholds& t) {
  if (!is_thread(p))
    return std::nullopt;
  if (auto r = too_many_threads(p, t))
    return r;
  if (auto r = unused_threads(p, t))
    return r;
  return io_bound_threads(p, t);
}

std::optional<recommendation>
check_failures_recurring(const pool_inspection& p,
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
         "`worker_crashed` errors and in the host log); raise "
         "`max_restarts` only if crashes are expected");
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
recommend(const pool_inspection& p, const recommendation_thresholds& t) {
  if (!p.failure.empty())
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
