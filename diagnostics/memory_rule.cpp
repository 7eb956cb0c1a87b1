#include "diagnostics/memory_rule.hpp"

#include "diagnostics/text.hpp"

namespace snakepit::diagnostics {

namespace {

/// Whole workers of `pss` bytes that fit in `bytes`.
int64_t fitting(double bytes, uint64_t pss) {
  return pss == 0 ? 0 : static_cast<int64_t>(bytes / static_cast<double>(pss));
}

} // namespace

finding check_memory(const memory_facts& facts, const demand& need) {
  finding f;
  f.name = "memory";
  auto avail = static_cast<double>(facts.available_bytes);
  f.add("available_bytes", static_cast<int64_t>(facts.available_bytes));
  if (!facts.not_measured.empty()) {
    f.status = status::warning;
    f.summary = "worker memory not measured: " + facts.not_measured;
    f.advice = "Fix what keeps workers from starting (see the other "
               "findings), then run `snakepit diagnose` again.";
    return f;
  }
  auto pss_p = facts.process_worker_pss_bytes;
  auto pss_t = facts.thread_worker_pss_bytes;
  auto needed = need.workers(worker_profile::process) * pss_p
                + need.workers(worker_profile::thread) * pss_t;
  auto fit_t = fitting(avail, pss_t);
  f.add("process_worker_pss_bytes", static_cast<int64_t>(pss_p))
    .add("thread_worker_pss_bytes", static_cast<int64_t>(pss_t))
    .add("thread_worker_slots", static_cast<int64_t>(facts.thread_worker_slots))
    .add("process_workers_fit", fitting(avail, pss_p))
    .add("process_workers_fit_80", fitting(memory_headroom * avail, pss_p))
    .add("thread_workers_fit", fit_t)
    .add("thread_workers_fit_80", fitting(memory_headroom * avail, pss_t))
    .add("thread_slots_fit", fit_t * facts.thread_worker_slots)
    .add("needed_bytes", static_cast<int64_t>(needed));
  f.summary = format_bytes(facts.available_bytes) + " available: about "
              + std::to_string(fitting(avail, pss_p)) + " process workers ("
              + format_bytes(pss_p) + " each) or "
              + std::to_string(fit_t) + " thread workers ("
              + format_bytes(pss_t) + " each, "
              + std::to_string(fit_t * facts.thread_worker_slots)
              + " slots); the config needs " + format_bytes(needed);
  auto baseline = std::string{
    "PSS of idle workers: each shared page is split among the processes "
    "mapping it, so a lone worker is the dearest case; what the adapter "
    "allocates while serving comes on top (set memory_threshold_mb to "
    "recycle workers that grow)."};
  if (static_cast<double>(needed) <= memory_headroom * avail) {
    f.advice = baseline;
    return f;
  }
  f.status = static_cast<double>(needed) > avail ? status::critical
                                                 : status::warning;
  f.advice = "The pools need " + format_bytes(needed) + " of "
             + format_bytes(facts.available_bytes)
             + " available: run fewer workers, use the thread profile "
               "(one process serves threads_per_worker requests, see "
               "docs/profiles.md), or add memory. "
             + baseline;
  return f;
}

} // namespace snakepit::diagnostics
