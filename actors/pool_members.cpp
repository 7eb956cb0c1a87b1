#include "actors/pool_members.hpp"

#include <spdlog/spdlog.h>

#include <set>
#include <string_view>

#include <snakepit/errors.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

#include "actors/pool_recycling.hpp"
#include "actors/pool_startup.hpp"
#include "actors/pool_supervision.hpp"
#include "actors/pool_sessions.hpp"
#include "actors/pool_spares.hpp"

namespace snakepit::detail {

namespace {

/// Worker slots with a worker ready: a replacement and the worker it
/// replaces (still draining) count once.
std::size_t slots_served(const pool_state& st) {
  std::set<std::string_view> slots;
  for (const auto& [key, w] : st.workers)
    slots.insert(w.slot);
  return slots.size();
}

} // namespace

void on_worker_ready(pool_ptr self, worker_ready& ev) {
  auto& st = self->state;
  release_permit(self, ev.worker.address());
  if (on_probe_ready(self, ev) || st.stopping)
    return;
  if (telemetry::has_subscribers(
        telemetry::topic::of<telemetry::worker_started>()))
    telemetry::publish(self, telemetry::make_worker_started(
                               st.cfg.name, ev.id, ev.info.pid,
                               to_string(st.cfg.profile), ev.info.slots,
                               std::chrono::microseconds{ev.startup_us}));
  if (on_spare_ready(self, ev))
    return;
  open_slots(self, ev.key, ev.info.slots);
  worker_entry entry{ev.worker, ev.slot, now_of(self), {}};
  entry.snapshot.key = ev.key;
  entry.snapshot.id = ev.id;
  entry.snapshot.info = ev.info;
  st.workers[ev.key] = std::move(entry);
  spdlog::info("pool {}: {}/{} workers ready ({} pid {}, {} {}, {} slot(s), "
               "GIL {})",
               st.cfg.name, slots_served(st), st.cfg.size, ev.id,
               ev.info.pid, ev.info.implementation, ev.info.python_version,
               ev.info.slots, ev.info.gil_enabled ? "enabled" : "disabled");
  warn_if_gil_bound(self, ev);
  // The lifecycle actor draws its request limit at its next check.
  if (st.cfg.worker_max_requests)
    ask_due_check(self);
  on_replacement_ready(self, ev.slot);
  note_full_strength(self);
  notify_ready_waiters(self);
  pump(self);
}

void on_worker_exited(pool_ptr self, worker_exited& ev) {
  auto& st = self->state;
  release_permit(self,
                 caf::actor_cast<caf::actor_addr>(self->current_sender()));
  if (on_probe_exited(self, ev))
    return;
  if (forget_spare(self, ev.key)) {
    if (!st.stopping)
      spdlog::warn("pool {}: spare {}", st.cfg.name, describe(ev.reason));
    return;
  }
  if (auto i = st.workers.find(ev.key); i != st.workers.end()) {
    spdlog::warn("pool {}: {}", st.cfg.name, describe(ev.reason));
    // The worker ended itself for a recycle reason (a limit it checks).
    auto reason = recycle_reason_from_string(ev.cause);
    if (reason && !st.stopping)
      note_recycled(self, i->second, *reason);
  }
  drop_worker(self, ev.key, ev.reason,
              st.stopping ? call_fate::fail : call_fate::retry_idempotent);
}

void on_worker_down(pool_ptr self, const caf::actor_addr& source,
                    const caf::error& reason) {
  auto& st = self->state;
  auto i = std::find_if(st.workers.begin(), st.workers.end(),
                        [&](const auto& kv) {
                          return kv.second.handle.address() == source;
                        });
  if (i == st.workers.end()) {
    forget_spare_at(self, source);
    return;
  }
  auto key = i->first;
  if (!st.stopping && is_normal_exit(reason)) {
    // Stopped by its supervisor, which is giving up: the pool is failing,
    // and its calls get the cause once the supervisor says it.
    drop_worker(self, key, {}, call_fate::strand);
    return;
  }
  auto why = make_failure(st.stopping ? error_code::shutting_down
                                      : error_code::worker_crashed,
                          "worker " + i->second.snapshot.id + " stopped: "
                            + from_caf_error(reason).message);
  drop_worker(self, key, why,
              st.stopping ? call_fate::fail : call_fate::retry_idempotent);
}

void drop_worker(pool_ptr self, uint64_t key, const failure& why,
                 call_fate fate) {
  forget_recycle_of(self, key);
  if (auto w = self->state.workers.find(key); w != self->state.workers.end())
    sessions_worker_gone(self, key, w->second.snapshot.id,
                         why.message.empty() ? "the pool is failing"
                                             : why.message);
  self->state.workers.erase(key);
  settle_calls_of(self, key, why, fate);
}

} // namespace snakepit::detail
