#include "actors/pool_inspector.hpp"

#include <algorithm>

#include "actors/pool_recycling.hpp"
#include "actors/worker_actor.hpp"

namespace snakepit::detail {

namespace {

double seconds_since(clock_type::time_point t, clock_type::time_point now) {
  return std::chrono::duration<double>(now - t).count();
}

worker_inspection inspect_worker(const pool_state& st, uint64_t key,
                                 const worker_entry& w,
                                 clock_type::time_point now) {
  worker_inspection out;
  out.id = w.id;
  out.pid = w.info.pid;
  out.slots = w.info.slots;
  out.busy = st.slots.busy(key);
  out.state = draining(st, key) ? "draining" : out.busy > 0 ? "busy" : "ready";
  out.requests = w.requests;
  out.uptime_seconds = seconds_since(w.ready_at, now);
  out.python_version = w.info.python_version;
  out.implementation = w.info.implementation;
  out.free_threaded_build = w.info.free_threaded_build;
  out.gil_enabled = w.info.gil_enabled;
  return out;
}

} // namespace

pool_inspection make_pool_inspection(pool_ptr self) {
  auto& st = self->state;
  const auto& cfg = st.cfg;
  auto now = now_of(self);
  pool_inspection p;
  p.name = cfg.name;
  p.profile = to_string(cfg.profile);
  p.adapter = cfg.adapter;
  p.size = cfg.size;
  p.threads_per_worker = slots_of(cfg);
  for (const auto& [key, w] : st.workers)
    p.workers.push_back(inspect_worker(st, key, w, now));
  // Oldest first: ids end in a key that grows with each start.
  std::sort(p.workers.begin(), p.workers.end(),
            [](const worker_inspection& a, const worker_inspection& b) {
              return std::make_pair(a.id.size(), a.id)
                     < std::make_pair(b.id.size(), b.id);
            });
  p.live = live_workers(st);
  p.starting = starting_workers(st);
  p.total_slots = st.slots.total_slots();
  p.busy_slots = st.slots.busy_slots();
  p.free_slots = st.slots.free_slots();
  p.utilization = p.total_slots > 0
                    ? static_cast<double>(p.busy_slots) / p.total_slots
                    : 0;
  p.queue_depth = st.queue->size();
  p.queue_size = st.queue->capacity();
  p.requests = st.answered;
  p.saturated = st.saturated;
  p.errors = st.errors;
  p.recycles = st.replaced;
  p.health_check_failures = st.health_failures;
  p.memory_threshold_mb = cfg.memory_threshold_mb.value_or(0);
  p.worker_max_requests = cfg.worker_max_requests.value_or(0);
  p.uptime_seconds = seconds_since(st.started_at, now);
  if (st.failed.code != error_code::none)
    p.failure = st.failed.message;
  return p;
}

} // namespace snakepit::detail
