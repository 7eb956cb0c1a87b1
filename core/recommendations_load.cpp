// The load rules: utilization high and low, the GIL, idle process
// workers, threads per worker.

#include "core/recommendation_support.hpp"

#include <algorithm>
#include <cmath>

namespace snakepit {

using namespace recommendation_detail;

namespace {

// The three findings of threads_per_worker_range, most severe first.

std::optional<recommendation>
too_many_threads(const pool_snapshot& p,
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
unused_threads(const pool_snapshot& p, const recommendation_thresholds& t) {
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
io_bound_threads(const pool_snapshot& p,
                 const recommendation_thresholds& t) {
  if (!window_ready(p, t) || p.utilization_mean < t.utilization_warning
      || p.workers.empty())
    return std::nullopt;
  double max_cpu = 0;
  for (const auto& w : p.workers) {
    if (!w.info.gil_enabled)
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

std::optional<recommendation>
check_utilization(const pool_snapshot& p,
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
check_utilization_low(const pool_snapshot& p,
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
check_gil_cpu_bound(const pool_snapshot& p,
                    const recommendation_thresholds& t) {
  if (!is_thread(p))
    return std::nullopt;
  const worker_snapshot* w = nullptr;
  for (const auto& x : p.workers)
    if (x.info.gil_enabled && x.busy >= t.gil_min_busy_slots
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
               {"busy_slots", cat(w->busy, " of ", w->info.slots)},
               {"cpu", cores(w->cpu_cores)},
               {"gil_enabled", "true"},
               {"python_version", w->info.python_version}},
              cat("Set `profile = \"process\"` and `size = ",
                  std::max(p.busy_slots, w->busy),
                  "` (the busy slots now, at most the cores you can give "
                  "it) and remove `threads_per_worker`: each process has "
                  "its own GIL (docs/profiles.md)."));
}

std::optional<recommendation>
check_idle_process_workers(const pool_snapshot& p,
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
check_threads_per_worker_range(const pool_snapshot& p,
                               const recommendation_thresholds& t) {
  if (!is_thread(p))
    return std::nullopt;
  if (auto r = too_many_threads(p, t))
    return r;
  if (auto r = unused_threads(p, t))
    return r;
  return io_bound_threads(p, t);
}

} // namespace snakepit
