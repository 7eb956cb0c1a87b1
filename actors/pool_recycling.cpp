#include "actors/pool_recycling.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <snakepit/errors.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

#include "actors/pool_members.hpp"
#include "actors/lifecycle_actor.hpp"
#include "messages/atoms.hpp"
#include "actors/pool_sessions.hpp"
#include "actors/pool_spares.hpp"

namespace snakepit::detail {

namespace {

constexpr double mib = 1024.0 * 1024.0;

double seconds_since(pool_ptr self, clock_type::time_point t) {
  return std::chrono::duration<double>(now_of(self) - t).count();
}

void report_ended(pool_ptr self, uint64_t key, bool completed) {
  if (auto& lc = self->state.recycling.lifecycle)
    self->send(lc, recycle_ended{key, completed});
}

/// Stops the drained (or, when `forced`, still busy) worker `key`.
void retire(pool_ptr self, uint64_t key, bool forced) {
  // At the drain deadline sessions may still be moving: lost, and said why
  // before the worker's going (whose reason is about its calls) does.
  sessions_drain_cut_off(self, key);
  auto& st = self->state;
  auto w = st.workers.find(key);
  auto j = st.recycling.jobs.find(w->second.slot);
  auto reason = j->second.reason;
  st.recycling.jobs.erase(j);
  auto& entry = w->second;
  const auto& facts = entry.snapshot;
  spdlog::info("pool {}: {} recycled ({}) after {} requests, {:.1f} s up, "
               "PSS {:.1f} MiB{}",
               st.cfg.name, facts.id, to_string(reason),
               facts.requests_dispatched, seconds_since(self, entry.ready_at),
               facts.memory.pss_bytes / mib,
               forced ? "; killed with calls still running" : "");
  note_recycled(self, entry, reason);
  auto handle = entry.handle;
  auto why = make_failure(error_code::worker_crashed,
                          "worker " + facts.id + " was recycled ("
                            + to_string(reason)
                            + ") and its call did not finish within "
                              "drain_timeout ("
                            + std::to_string(st.cfg.drain_timeout.count())
                            + " ms)");
  drop_worker(self, key, why);
  self->send(handle, drain_atom::value, !forced);
  report_ended(self, key, true);
  pump(self);
}

/// The recycle job of worker `key` if it is draining, else nullptr.
const recycle_job* draining_job(const pool_state& st, uint64_t key) {
  auto w = st.workers.find(key);
  if (w == st.workers.end())
    return nullptr;
  auto j = st.recycling.jobs.find(w->second.slot);
  if (j == st.recycling.jobs.end() || !j->second.draining
      || j->second.old_key != key)
    return nullptr;
  return &j->second;
}

} // namespace

void abandon_recycle(pool_ptr self, const std::string& slot, uint64_t key,
                     const std::string& why) {
  auto& st = self->state;
  auto j = st.recycling.jobs.find(slot);
  if (j == st.recycling.jobs.end() || j->second.old_key != key
      || j->second.draining)
    return;
  st.recycling.jobs.erase(j);
  spdlog::warn("pool {}: recycle of worker key {} abandoned: {}", st.cfg.name,
               key, why);
  report_ended(self, key, false);
}

bool draining(const pool_state& st, uint64_t key) {
  return draining_job(st, key) != nullptr;
}

int live_workers(const pool_state& st) {
  auto drains = std::count_if(st.recycling.jobs.begin(), st.recycling.jobs.end(),
                              [](const auto& kv) {
                                return kv.second.draining;
                              });
  return static_cast<int>(st.workers.size()) - static_cast<int>(drains);
}

int starting_workers(const pool_state& st) {
  return std::max(0, st.cfg.size - live_workers(st));
}

int starting_replacements(const pool_state& st) {
  return static_cast<int>(
    std::count_if(st.recycling.jobs.begin(), st.recycling.jobs.end(),
                  [](const auto& kv) { return !kv.second.via_spare; }));
}

bool begin_recycle(pool_ptr self, uint64_t key, recycle_reason reason) {
  auto& st = self->state;
  if (st.stopping || st.supervision.failed.code != error_code::none || !st.supervision.supervisor)
    return false;
  auto w = st.workers.find(key);
  if (w == st.workers.end() || st.recycling.jobs.count(w->second.slot) > 0)
    return false;
  auto slot = w->second.slot;
  auto via_spare = spare_ready(st);
  if (!via_spare && starting_replacements(st) >= st.cfg.max_concurrent_recycles)
    return false;
  st.recycling.jobs.emplace(slot, recycle_job{key, reason, false, via_spare});
  spdlog::info("pool {}: recycling {} ({}); {}", st.cfg.name,
               w->second.snapshot.id, to_string(reason),
               via_spare ? "a spare takes its place"
                         : "starting its replacement");
  if (via_spare)
    return swap_in_spare(self, slot, key);
  // Only the instance being recycled: if it crashed and its slot was
  // restarted meanwhile, the fresh one is left alone.
  self->request(st.supervision.supervisor, caf::infinite,
                replace_child_atom::value, slot, w->second.handle)
    .then(
      [self, slot, key](const caf::actor& fresh) {
        if (!fresh)
          abandon_recycle(self, slot, key,
                         "its slot restarted, or the pool is stopping");
      },
      [self, slot, key](const caf::error& err) {
        abandon_recycle(self, slot, key, from_caf_error(err).message);
      });
  return true;
}

void on_replacement_ready(pool_ptr self, const std::string& slot) {
  auto& st = self->state;
  auto j = st.recycling.jobs.find(slot);
  if (j == st.recycling.jobs.end() || j->second.draining)
    return;
  auto old_key = j->second.old_key;
  if (st.workers.count(old_key) == 0) {
    // The old worker went away (crashed) before its replacement was ready.
    st.recycling.jobs.erase(j);
    report_ended(self, old_key, true);
    return;
  }
  j->second.draining = true;
  close_slots(self, old_key);
  for (const auto& [key, w] : st.workers)
    if (w.slot == slot && key != old_key)
      sessions_worker_draining(self, old_key, key);
  if (st.calls.slots.busy(old_key) == 0
      && !sessions_moving_from(self, old_key)) {
    retire(self, old_key, false);
    return;
  }
  self->delayed_send(self, st.cfg.drain_timeout, drain_atom::value, old_key);
}

void retire_if_drained(pool_ptr self, uint64_t key) {
  auto& st = self->state;
  if (draining(st, key) && st.calls.slots.busy(key) == 0
      && !sessions_moving_from(self, key))
    retire(self, key, false);
}

void on_drain_deadline(pool_ptr self, uint64_t key) {
  auto& st = self->state;
  if (draining(st, key))
    retire(self, key, st.calls.slots.busy(key) > 0);
}

void forget_recycle_of(pool_ptr self, uint64_t key) {
  auto& st = self->state;
  auto w = st.workers.find(key);
  if (w == st.workers.end())
    return;
  auto j = st.recycling.jobs.find(w->second.slot);
  if (j != st.recycling.jobs.end() && j->second.old_key == key
      && j->second.draining) {
    st.recycling.jobs.erase(j);
    report_ended(self, key, true);
  }
}

caf::result<recycle_ack> on_manual_recycle(pool_ptr self,
                                           const std::string& worker_id) {
  auto& st = self->state;
  if (st.supervision.failed.code != error_code::none)
    return to_caf_error(st.supervision.failed);
  if (st.stopping || !st.recycling.lifecycle)
    return to_caf_error(make_failure(error_code::shutting_down,
                                     "pool " + st.cfg.name + " is stopping"));
  manual_recycle order;
  recycle_ack ack;
  std::vector<std::string> known;
  for (auto& [key, w] : st.workers) {
    if (draining(st, key))
      continue;
    known.push_back(w.snapshot.id);
    if (worker_id.empty() || w.snapshot.id == worker_id) {
      order.keys.push_back(key);
      ack.workers.push_back(w.snapshot.id);
    }
  }
  if (!worker_id.empty() && order.keys.empty()) {
    std::sort(known.begin(), known.end());
    std::string list;
    for (const auto& id : known)
      list += (list.empty() ? "" : ", ") + id;
    return to_caf_error(make_failure(
      error_code::invalid_arguments,
      "pool " + st.cfg.name + " has no worker \"" + worker_id
        + "\" taking requests (its workers: "
        + (list.empty() ? "none ready" : list) + ")"));
  }
  std::sort(ack.workers.begin(), ack.workers.end());
  self->send(st.recycling.lifecycle, std::move(order));
  return ack;
}

void on_memory_samples(pool_ptr self, const memory_samples& m) {
  auto& st = self->state;
  for (const auto& s : m.samples)
    if (auto w = st.workers.find(s.key); w != st.workers.end())
      w->second.snapshot.memory = s.memory;
}

void note_recycled(pool_ptr self, const worker_entry& w,
                   recycle_reason reason) {
  auto& st = self->state;
  auto& book = st.recycling;
  ++book.replaced[to_string(reason)];
  const auto& facts = w.snapshot;
  if (facts.request_limit > 0 && facts.requests_dispatched > facts.request_limit) {
    auto past = facts.requests_dispatched - facts.request_limit;
    book.overshoot_max = std::max(book.overshoot_max, past);
    book.overshoot_total += past;
  }
  if (telemetry::has_subscribers(
        telemetry::topic::of<telemetry::worker_recycled>()))
    telemetry::publish(self, telemetry::make_worker_recycled(
                               st.cfg.name, facts.id, reason,
                               now_of(self) - w.ready_at,
                               static_cast<uint64_t>(
                                 facts.requests_dispatched),
                               facts.memory.pss_bytes,
                               static_cast<uint64_t>(facts.request_limit)));
}

void ask_due_check(pool_ptr self) {
  if (auto& lc = self->state.recycling.lifecycle)
    self->send(lc, due_check_atom::value);
}

void on_request_limits(pool_ptr self, const request_limits& m) {
  auto& st = self->state;
  auto reached = false;
  for (const auto& [key, limit] : m.limits)
    if (auto w = st.workers.find(key); w != st.workers.end()) {
      w->second.snapshot.request_limit = limit;
      reached = reached || w->second.snapshot.requests_dispatched >= limit;
    }
  if (reached)
    ask_due_check(self);
}

void on_health_check_missed(pool_ptr self) {
  ++self->state.recycling.health_failures;
}

void start_lifecycle(pool_ptr self) {
  auto& st = self->state;
  st.recycling.lifecycle = spawn_lifecycle(self, st.cfg);
}

void stop_lifecycle(pool_ptr self) {
  auto& lifecycle = self->state.recycling.lifecycle;
  if (!lifecycle)
    return;
  self->send_exit(lifecycle, caf::exit_reason::user_shutdown);
  lifecycle = nullptr;
}

} // namespace snakepit::detail
