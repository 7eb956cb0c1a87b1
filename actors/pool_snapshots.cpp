#include "actors/pool_snapshots.hpp"

#include <algorithm>

#include "actors/pool_recycling.hpp"
#include "actors/pool_spares.hpp"
#include "actors/worker_actor.hpp"

namespace snakepit::detail {

namespace {

double seconds_since(clock_type::time_point t, clock_type::time_point now) {
  return std::chrono::duration<double>(now - t).count();
}

worker_snapshot snapshot_of(const pool_state& st, uint64_t key,
                            const worker_entry& w,
                            clock_type::time_point now) {
  auto out = w.snapshot;
  out.busy = st.calls.slots.busy(key);
  out.draining = draining(st, key);
  out.uptime_seconds = seconds_since(w.ready_at, now);
  return out;
}

} // namespace

pool_snapshot make_pool_snapshot(pool_ptr self) {
  auto& st = self->state;
  const auto& cfg = st.cfg;
  auto now = now_of(self);
  pool_snapshot p;
  p.name = cfg.name;
  p.profile = to_string(cfg.profile);
  p.adapter = cfg.adapter;
  p.size = cfg.size;
  p.threads_per_worker = slots_of(cfg);
  p.workers.reserve(st.workers.size());
  for (const auto& [key, w] : st.workers)
    p.workers.push_back(snapshot_of(st, key, w, now));
  // Oldest first: keys grow with each start.
  std::sort(p.workers.begin(), p.workers.end(),
            [](const worker_snapshot& a, const worker_snapshot& b) {
              return a.key < b.key;
            });
  p.ready = live_workers(st);
  p.starting = starting_workers(st);
  p.total_slots = st.calls.slots.total_slots();
  p.busy_slots = st.calls.slots.busy_slots();
  p.free_slots = st.calls.slots.free_slots();
  p.utilization = p.total_slots > 0
                    ? static_cast<double>(p.busy_slots) / p.total_slots
                    : 0;
  p.queue_depth = st.calls.queue->size() + st.sessions.waiting_count;
  // Closing sessions are closed for their callers: not counted.
  p.sessions = st.sessions.table.count(session_state::active)
               + st.sessions.table.count(session_state::moving);
  p.sessions_lost = st.sessions.table.count(session_state::lost);
  p.queue_size = st.calls.queue->capacity();
  p.queue_timeout_ms = cfg.queue_timeout.count();
  p.request_timeout_ms = cfg.request_timeout.count();
  p.requests_dispatched = st.calls.dispatched;
  p.requests_answered = st.calls.answered;
  p.saturated = st.calls.saturated;
  p.errors = st.calls.errors;
  p.recycles = st.recycling.replaced;
  p.health_check_failures = st.recycling.health_failures;
  p.memory_threshold_mb = cfg.memory_threshold_mb.value_or(0);
  p.worker_max_requests = cfg.worker_max_requests.value_or(0);
  p.overshoot_max = st.recycling.overshoot_max;
  p.overshoot_total = st.recycling.overshoot_total;
  p.spare_workers = cfg.spare_workers;
  p.spares = spare_snapshots(st, now);
  p.uptime_seconds = seconds_since(st.started_at, now);
  p.failed = st.supervision.failed;
  p.stopping = st.stopping;
  return p;
}

} // namespace snakepit::detail
