#include "actors/pool_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/lifecycle_actor.hpp"
#include "actors/pool_inspector.hpp"
#include "actors/pool_recycling.hpp"
#include "actors/pool_requests.hpp"
#include "actors/pool_state.hpp"
#include "actors/worker_actor.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "supervisors/supervisor.hpp"
#include "telemetry/bus.hpp"
#include "telemetry/events.hpp"

namespace snakepit {

namespace detail {

namespace {

pool_status make_status(pool_ptr self) {
  auto& st = self->state;
  pool_status s;
  s.name = st.cfg.name;
  s.profile = st.cfg.profile == worker_profile::thread ? "thread" : "process";
  s.size = st.cfg.size;
  s.busy_slots = st.slots.busy_slots();
  s.total_slots = st.slots.total_slots();
  s.queue_depth = st.queue->size();
  s.queue_size = st.queue->capacity();
  s.requests = st.requests;
  s.queue_timeout_ms = st.cfg.queue_timeout.count();
  s.request_timeout_ms = st.cfg.request_timeout.count();
  s.failed = st.failed;
  s.ready = live_workers(st);
  for (auto& [key, w] : st.workers)
    s.workers.push_back(worker_status{w.id, st.slots.busy(key),
                                      w.info.slots, w.requests, w.info,
                                      w.memory_bytes, draining(st, key)});
  return s;
}

void notify_ready_waiters(pool_ptr self) {
  auto& st = self->state;
  if (st.ready_waiters.empty())
    return;
  auto status = make_status(self);
  if (!status.all_ready() && st.failed.code == error_code::none)
    return;
  for (auto& rp : st.ready_waiters)
    rp.deliver(status);
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
  if (st.stopping)
    return;
  st.slots.add(ev.key, ev.info.slots);
  st.workers[ev.key] = worker_entry{ev.worker, ev.id, ev.slot, ev.info, 0,
                                    clock_type::now(), 0};
  if (telemetry::has_subscribers())
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
  notify_ready_waiters(self);
  pump(self);
}

/// The supervisor gave up: answer everything with the cause from now on.
void enter_failed(pool_ptr self, const caf::error& reason) {
  auto& st = self->state;
  st.supervisor = nullptr;
  if (st.stopping)
    return;
  st.failed = from_caf_error(reason);
  st.failed.code = error_code::pool_failed;
  st.failed.message = "pool " + st.cfg.name + " failed: " + st.failed.message;
  spdlog::error("{}", describe(st.failed));
  for (auto& item : st.queue->drain())
    answer_failure(self, item.promise, item.request.command, st.failed);
  notify_ready_waiters(self);
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
  if (!st.supervisor) {
    self->quit(reason);
    return;
  }
  self->send_exit(st.supervisor, reason);
}

/// The worker supervisor is gone: after a stop, quit; otherwise it gave up.
void on_supervisor_gone(pool_ptr self, const caf::error& reason) {
  auto& st = self->state;
  if (!st.supervisor && st.failed.code != error_code::none)
    return; // second notice (exit and down) of the same escalation
  if (!st.stopping) {
    enter_failed(self, reason);
    return;
  }
  st.supervisor = nullptr;
  auto closing = make_failure(error_code::shutting_down,
                              "pool " + st.cfg.name + " stopped");
  for (auto& [id, call] : st.inflight)
    answer_failure(self, call.promise, call.command, closing,
                   call.worker_id, call.queue_us);
  st.inflight.clear();
  self->quit(caf::exit_reason::user_shutdown);
}

std::vector<child_spec> worker_children(pool_ptr self) {
  auto& st = self->state;
  auto next_key = std::make_shared<uint64_t>(0);
  std::vector<child_spec> out;
  caf::actor pool = caf::actor_cast<caf::actor>(self);
  for (int i = 1; i <= st.cfg.size; ++i) {
    child_spec spec;
    spec.id = st.cfg.name + "/slot" + std::to_string(i);
    spec.shutdown_timeout = st.cfg.shutdown_timeout + std::chrono::seconds{2};
    spec.start = [cfg = st.cfg, env = st.env, pool, next_key,
                  slot = spec.id](caf::local_actor* sup) {
      worker_spec w;
      w.key = ++*next_key;
      w.id = cfg.name + "/w" + std::to_string(w.key);
      w.slot = slot;
      w.pool = cfg;
      w.env = env;
      w.pool_actor = pool;
      return spawn_worker(sup, std::move(w));
    };
    out.push_back(std::move(spec));
  }
  return out;
}

caf::behavior pool_behavior(pool_ptr self, pool_config cfg,
                            std::shared_ptr<const worker_environment> env) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.env = std::move(env);
  st.queue.emplace(st.cfg.queue_size);
  supervisor_flags flags;
  flags.name = "pool " + st.cfg.name;
  flags.intensity = st.cfg.max_restarts;
  flags.period = st.cfg.restart_period;
  flags.backoff = st.cfg.restart_backoff;
  flags.backoff_max = st.cfg.restart_backoff_max;
  spdlog::info("pool {}: starting {} workers ({} profile, adapter {})",
               st.cfg.name, st.cfg.size,
               st.cfg.profile == worker_profile::thread ? "thread" : "process",
               st.cfg.adapter);
  st.supervisor = spawn_supervisor(self, std::move(flags),
                                   worker_children(self));
  st.lifecycle = spawn_lifecycle(self, st.cfg);

  // CAF 0.17 drops a link when an exit message crosses it, so the pool also
  // monitors its supervisor to learn when it is gone.
  st.supervisor_addr = st.supervisor.address();
  self->monitor(st.supervisor);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (msg.source == st.supervisor_addr)
      on_supervisor_gone(self, msg.reason);
    else
      begin_stop(self, msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (msg.source == st.supervisor_addr) {
      on_supervisor_gone(self, msg.reason);
      return;
    }
    release_permit(self, msg.source);
    for (auto& [key, w] : st.workers)
      if (w.handle.address() == msg.source) {
        drop_worker(self, key,
                    make_failure(st.stopping ? error_code::shutting_down
                                             : error_code::worker_crashed,
                                 "worker " + w.id + " stopped: "
                                   + from_caf_error(msg.reason).message));
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
      if (auto w = st.workers.find(ev.key); w != st.workers.end()) {
        spdlog::warn("pool {}: {}", st.cfg.name, describe(ev.reason));
        auto reason = recycle_reason_from_string(ev.cause);
        if (reason && !st.stopping)
          ++st.replaced[to_string(*reason)];
        if (reason && !st.stopping && telemetry::has_subscribers())
          telemetry::publish(self, telemetry::make_worker_recycled(
                                     st.cfg.name, w->second.id, *reason,
                                     clock_type::now() - w->second.ready_at,
                                     w->second.requests,
                                     w->second.memory_bytes));
      }
      drop_worker(self, ev.key, ev.reason);
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
    [self](lifecycle_atom) { return make_lifecycle_view(self); },
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
    [self](inspect_atom) -> caf::result<pool_inspection> {
      auto& st = self->state;
      auto snapshot = make_pool_inspection(self);
      if (!st.lifecycle)
        return snapshot;
      // The lifecycle actor adds its measurements and answers the caller.
      self->delegate(st.lifecycle, inspect_atom::value, std::move(snapshot));
      return caf::delegated<pool_inspection>{};
    },
    [self](status_atom) { return make_status(self); },
    [self](await_ready_atom) {
      auto rp = self->make_response_promise<pool_status>();
      self->state.ready_waiters.push_back(rp);
      notify_ready_waiters(self);
      return rp;
    },
  };
}

} // namespace

} // namespace detail

caf::actor spawn_pool(caf::local_actor* parent, pool_config cfg,
                      std::shared_ptr<const worker_environment> env) {
  return parent->spawn<caf::linked>(detail::pool_behavior, std::move(cfg),
                                    std::move(env));
}

} // namespace snakepit
