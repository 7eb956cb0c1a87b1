#include <snakepit/pool.hpp>

#include <spdlog/spdlog.h>

#include <snakepit/errors.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

#include "actors/lifecycle_actor.hpp"
#include "actors/pool_recycling.hpp"
#include "actors/pool_requests.hpp"
#include "actors/pool_snapshots.hpp"
#include "actors/pool_state.hpp"
#include "actors/pool_supervision.hpp"
#include "messages/atoms.hpp"

namespace snakepit {

namespace detail {

namespace {

void notify_ready_waiters(pool_ptr self) {
  auto& st = self->state;
  if (st.ready_waiters.empty())
    return;
  auto snapshot = make_pool_snapshot(self);
  if (!snapshot.all_ready() && st.failed.code == error_code::none)
    return;
  for (auto& rp : st.ready_waiters)
    rp.deliver(snapshot);
  st.ready_waiters.clear();
}

void grant_permits(pool_ptr self) {
  auto& st = self->state;
  while (!st.permit_waiters.empty()
         && static_cast<int>(st.permit_holders.size())
              < st.cfg.startup_concurrency) {
    auto [addr, rp] = std::move(st.permit_waiters.front());
    st.permit_waiters.pop_front();
    st.permit_holders.insert(addr);
    rp.deliver(true);
  }
}

void release_permit(pool_ptr self, const caf::actor_addr& addr) {
  if (self->state.permit_holders.erase(addr) > 0)
    grant_permits(self);
}

void on_worker_ready(pool_ptr self, worker_ready& ev) {
  auto& st = self->state;
  release_permit(self, ev.worker.address());
  if (on_probe_ready(self, ev) || st.stopping)
    return;
  st.slots.add(ev.key, ev.info.slots);
  worker_entry entry{ev.worker, ev.slot, now_of(self), {}};
  entry.snapshot.key = ev.key;
  entry.snapshot.id = ev.id;
  entry.snapshot.info = ev.info;
  st.workers[ev.key] = std::move(entry);
  if (telemetry::has_subscribers(
        telemetry::topic::of<telemetry::worker_started>()))
    telemetry::publish(self, telemetry::make_worker_started(
                               st.cfg.name, ev.id, ev.info.pid,
                               to_string(st.cfg.profile), ev.info.slots,
                               std::chrono::microseconds{ev.startup_us}));
  spdlog::info("pool {}: {}/{} workers ready ({} pid {}, {} {}, {} slot(s), "
               "GIL {})",
               st.cfg.name, st.workers.size(), st.cfg.size, ev.id,
               ev.info.pid, ev.info.implementation, ev.info.python_version,
               ev.info.slots, ev.info.gil_enabled ? "enabled" : "disabled");
  if (st.cfg.profile == worker_profile::thread && ev.info.gil_enabled
      && !st.gil_warned) {
    st.gil_warned = true;
    spdlog::warn("pool {}: thread profile on an interpreter with the GIL "
                 "enabled ({}): I/O-bound tools and tools that release the "
                 "GIL (hashlib, numpy, ...) run in parallel, pure-Python CPU "
                 "work does not (use the process profile for that)",
                 st.cfg.name, ev.info.executable);
  }
  on_replacement_ready(self, ev.slot);
  // Back to full strength: a later failure starts its recovery backoff
  // over (a pool that fails again before this keeps backing off).
  if (st.recovery && live_workers(st) >= st.cfg.size)
    st.recovery->reset();
  notify_ready_waiters(self);
  pump(self);
}

/// The supervisor gave up: answer everything with the cause from now on,
/// and try to come back later.
void enter_failed(pool_ptr self, const caf::error& reason) {
  auto& st = self->state;
  st.failed = from_caf_error(reason);
  st.failed.code = error_code::pool_failed;
  st.failed.message = "pool " + st.cfg.name + " failed: " + st.failed.message;
  st.failed_at = now_of(self);
  spdlog::error("{}", describe(st.failed));
  // Its workers are gone: whatever still ran on them gets the cause.
  std::vector<uint64_t> keys;
  for (auto& [key, w] : st.workers)
    keys.push_back(key);
  for (auto key : keys)
    drop_worker(self, key, st.failed, call_fate::strand);
  answer_stranded(self, st.failed);
  for (auto& item : st.queue->drain())
    answer_failure(self, item.promise, item.request.command, st.failed);
  notify_ready_waiters(self);
  begin_recovery(self);
}

/// Stops taking requests, stops the workers, and quits once they are gone.
void begin_stop(pool_ptr self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = true;
  auto closing = make_failure(error_code::shutting_down,
                              "pool " + st.cfg.name + " is stopping");
  for (auto& item : st.queue->drain())
    answer_failure(self, item.promise, item.request.command, closing);
  for (auto& [id, pending] : st.checking)
    answer_failure(self, pending.promise, pending.command, closing);
  st.checking.clear();
  for (auto& [addr, rp] : st.permit_waiters)
    rp.deliver(false);
  st.permit_waiters.clear();
  if (st.lifecycle) {
    self->send_exit(st.lifecycle, caf::exit_reason::user_shutdown);
    st.lifecycle = nullptr;
  }
  stop_probe(self);
  if (!st.supervisor) {
    self->quit(reason);
    return;
  }
  self->send_exit(st.supervisor, reason);
}

/// The worker supervisor is gone: after a stop, quit; otherwise it gave up.
void on_supervisor_gone(pool_ptr self, const caf::error& reason) {
  auto& st = self->state;
  st.supervisor = nullptr;
  if (!st.stopping) {
    enter_failed(self, reason);
    return;
  }
  auto closing = make_failure(error_code::shutting_down,
                              "pool " + st.cfg.name + " stopped");
  for (auto& [id, call] : st.inflight)
    answer_failure(self, call.promise, call.command, closing,
                   call.worker_id, call.queue_us);
  st.inflight.clear();
  answer_stranded(self, closing);
  self->quit(caf::exit_reason::user_shutdown);
}

/// An exit or down message from `source`: true when it came from a worker
/// supervisor of the pool (each sends both when it gives up; the second is
/// only recognised).
bool on_supervisor_notice(pool_ptr self, const caf::actor_addr& source,
                          const caf::error& reason) {
  auto& st = self->state;
  if (st.half_gone.erase(source) > 0)
    return true;
  if (!st.supervisor || source != st.supervisor.address())
    return false;
  st.half_gone.insert(source);
  on_supervisor_gone(self, reason);
  return true;
}

/// A worker went down without saying why (no worker_exited first).
void on_worker_down(pool_ptr self, uint64_t key, const caf::error& reason) {
  auto& st = self->state;
  if (!st.stopping && is_normal_exit(reason)) {
    // Stopped by its supervisor, which is giving up: the pool is failing,
    // and its calls get the cause once the supervisor says it.
    drop_worker(self, key, {}, call_fate::strand);
    return;
  }
  auto& w = st.workers.at(key);
  drop_worker(self, key,
              make_failure(st.stopping ? error_code::shutting_down
                                       : error_code::worker_crashed,
                           "worker " + w.snapshot.id + " stopped: "
                             + from_caf_error(reason).message),
              st.stopping ? call_fate::fail : call_fate::retry_idempotent);
}

caf::behavior pool_behavior(pool_ptr self, pool_config cfg,
                            std::shared_ptr<const worker_environment> env) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.env = std::move(env);
  st.started_at = now_of(self);
  st.queue.emplace(st.cfg.queue_size);
  spdlog::info("pool {}: starting {} workers ({} profile, adapter {})",
               st.cfg.name, st.cfg.size,
               st.cfg.profile == worker_profile::thread ? "thread" : "process",
               st.cfg.adapter);
  start_workers(self);
  st.lifecycle = spawn_lifecycle(self, st.cfg);

  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (!on_supervisor_notice(self, msg.source, msg.reason))
      begin_stop(self, msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (on_supervisor_notice(self, msg.source, msg.reason))
      return;
    release_permit(self, msg.source);
    if (on_probe_down(self, msg.source, msg.reason))
      return;
    for (auto& [key, w] : st.workers)
      if (w.handle.address() == msg.source) {
        on_worker_down(self, key, msg.reason);
        break;
      }
  });

  return {
    [self](execute_atom, execute_request& req) { return on_execute(self, req); },
    [self](call_done& done) { on_call_done(self, done); },
    [self](lost_call_atom, uint64_t call_id) {
      on_lost_call_timeout(self, call_id);
    },
    [self](abandoned_call_ended& ev) { on_abandoned_call_ended(self, ev); },
    [self](worker_ready& ev) { on_worker_ready(self, ev); },
    [self](worker_exited& ev) {
      auto& st = self->state;
      release_permit(self, caf::actor_cast<caf::actor_addr>(
                             self->current_sender()));
      if (on_probe_exited(self, ev))
        return;
      if (auto i = st.workers.find(ev.key); i != st.workers.end()) {
        const auto& w = i->second;
        spdlog::warn("pool {}: {}", st.cfg.name, describe(ev.reason));
        auto reason = recycle_reason_from_string(ev.cause);
        if (reason && !st.stopping)
          ++st.replaced[to_string(*reason)];
        if (reason && !st.stopping
            && telemetry::has_subscribers(
              telemetry::topic::of<telemetry::worker_recycled>()))
          telemetry::publish(self, telemetry::make_worker_recycled(
                                     st.cfg.name, w.snapshot.id, *reason,
                                     now_of(self) - w.ready_at,
                                     w.snapshot.requests_dispatched,
                                     w.snapshot.memory.pss_bytes));
      }
      drop_worker(self, ev.key, ev.reason,
                  st.stopping ? call_fate::fail : call_fate::retry_idempotent);
    },
    [self](start_permit_atom) {
      auto& st = self->state;
      // Read the sender first: making the promise moves it out of the
      // current message.
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      auto rp = self->make_response_promise<bool>();
      if (st.stopping) {
        rp.deliver(false);
        return rp;
      }
      self->monitor(sender);
      st.permit_waiters.emplace_back(sender.address(), rp);
      grant_permits(self);
      return rp;
    },
    [self](tick_atom) { on_queue_tick(self); },
    [self](recover_atom, uint64_t round) { on_recovery_timer(self, round); },
    [self](restart_atom) { return on_manual_restart(self); },
    [self](lifecycle_atom) { return make_pool_snapshot(self); },
    [self](recycle_atom, uint64_t key, const std::string& reason) {
      auto why = recycle_reason_from_string(reason);
      return why && begin_recycle(self, key, *why);
    },
    [self](recycle_atom, const std::string& worker_id) {
      return on_manual_recycle(self, worker_id);
    },
    [self](const memory_samples& m) { on_memory_samples(self, m); },
    [self](drain_atom, uint64_t key) { on_drain_deadline(self, key); },
    [self](const health_check_missed&) { ++self->state.health_failures; },
    [self](inspect_atom) -> caf::result<pool_snapshot> {
      auto& st = self->state;
      auto snapshot = make_pool_snapshot(self);
      if (!st.lifecycle)
        return snapshot;
      // The lifecycle actor adds its measurements and answers the caller.
      self->delegate(st.lifecycle, inspect_atom::value, std::move(snapshot));
      return caf::delegated<pool_snapshot>{};
    },
    [self](status_atom) { return make_pool_snapshot(self); },
    [self](await_ready_atom) {
      auto rp = self->make_response_promise<pool_snapshot>();
      self->state.ready_waiters.push_back(rp);
      notify_ready_waiters(self);
      return rp;
    },
  };
}

} // namespace

} // namespace detail

pool_actor spawn_pool(caf::local_actor* parent, pool_config cfg,
                      std::shared_ptr<const worker_environment> env) {
  // The actor itself is dynamically typed: it also takes its workers',
  // supervisor's and lifecycle actor's messages, which are no part of its
  // public interface. tests/unit/actors checks it answers every message of
  // `pool_actor` with the declared reply type.
  return caf::actor_cast<pool_actor>(parent->spawn<caf::linked>(
    detail::pool_behavior, std::move(cfg), std::move(env)));
}

} // namespace snakepit
