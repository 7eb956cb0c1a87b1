#include "actors/pool_actor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "actors/worker_actor.hpp"
#include "bridge/json_values.hpp"
#include "core/request_queue.hpp"
#include "core/slot_table.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/status.hpp"
#include "supervisors/supervisor.hpp"

namespace snakepit {

namespace {

using clock_type = std::chrono::steady_clock;
using reply_promise = caf::typed_response_promise<execute_reply>;

int64_t micros_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
}

/// A request waiting for a free slot.
struct queued_request {
  reply_promise promise;
  execute_request request;
  clock_type::time_point enqueued;
};

/// A request on a worker.
struct inflight_call {
  reply_promise promise;
  uint64_t worker_key = 0;
  std::string worker_id;
  clock_type::time_point dispatched;
  int64_t queue_us = 0;
  /// Set when gRPC reported the connection lost: the call waits (briefly)
  /// for its worker's own account of the crash, which says more.
  std::optional<failure> connection_lost;
};

/// How long a call whose connection broke waits for its worker's report
/// (exit code, last output lines) before it is answered with gRPC's.
constexpr auto crash_report_wait = std::chrono::seconds{2};

/// Timer of a call waiting for its worker's crash report.
using lost_call_atom = caf::atom_constant<caf::atom("sp_lost")>;

struct worker_entry {
  caf::actor handle;
  std::string id;
  worker_info info;
  int64_t requests = 0;
};

struct pool_state {
  pool_config cfg;
  std::shared_ptr<const worker_environment> env;
  caf::actor supervisor;
  /// Kept after `supervisor` is cleared, to recognise its late messages.
  caf::actor_addr supervisor_addr;
  slot_table slots;
  std::optional<request_queue<queued_request>> queue;
  std::unordered_map<uint64_t, inflight_call> inflight;
  std::unordered_map<uint64_t, worker_entry> workers;
  /// Calls answered with request_timeout that may still run in Python,
  /// by call id, with their worker: their slots stay busy.
  std::unordered_map<uint64_t, uint64_t> abandoned;
  uint64_t next_call_id = 1;
  int64_t requests = 0;
  /// Start permits: workers starting now, and those waiting to.
  std::unordered_set<caf::actor_addr> permit_holders;
  std::deque<std::pair<caf::actor_addr, caf::typed_response_promise<bool>>>
    permit_waiters;
  std::vector<caf::typed_response_promise<pool_status>> ready_waiters;
  failure failed;
  bool stopping = false;
  /// The thread-profile-on-a-GIL-build warning was given.
  bool gil_warned = false;
  std::optional<clock_type::time_point> tick_at;

  static inline const char* name = "snakepit.pool";
};

using pool_ptr = caf::stateful_actor<pool_state>*;

void reply_failure(reply_promise& rp, failure f, std::string worker = {}) {
  execute_reply reply;
  reply.error = std::move(f);
  reply.worker = std::move(worker);
  rp.deliver(std::move(reply));
}

pool_status make_status(pool_ptr self) {
  auto& st = self->state;
  pool_status s;
  s.name = st.cfg.name;
  s.profile = st.cfg.profile == worker_profile::thread ? "thread" : "process";
  s.size = st.cfg.size;
  s.ready = static_cast<int>(st.workers.size());
  s.busy_slots = st.slots.busy_slots();
  s.total_slots = st.slots.total_slots();
  s.queue_depth = st.queue->size();
  s.queue_size = st.queue->capacity();
  s.requests = st.requests;
  s.queue_timeout_ms = st.cfg.queue_timeout.count();
  s.request_timeout_ms = st.cfg.request_timeout.count();
  s.failed = st.failed;
  for (auto& [key, w] : st.workers)
    s.workers.push_back(worker_status{w.id, st.slots.busy(key),
                                      w.info.slots, w.requests, w.info});
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

/// Keeps one timer armed for the earliest queue deadline.
void arm_queue_timer(pool_ptr self) {
  auto& st = self->state;
  auto next = st.queue->next_deadline();
  if (!next || (st.tick_at && *st.tick_at <= *next))
    return;
  st.tick_at = *next;
  auto delay = std::max(clock_type::duration::zero(), *next - clock_type::now());
  self->delayed_send(self, delay, tick_atom::value);
}

void send_to_worker(pool_ptr self, reply_promise rp, execute_request req,
                    uint64_t key, int64_t queue_us) {
  auto& st = self->state;
  auto& w = st.workers.at(key);
  ++w.requests;
  ++st.requests;
  auto call_id = st.next_call_id++;
  st.inflight.emplace(call_id, inflight_call{std::move(rp), key, w.id,
                                             clock_type::now(), queue_us,
                                             std::nullopt});
  self->send(w.handle, dispatch{call_id, std::move(req)});
}

/// Moves queued requests onto free slots, oldest first.
void pump(pool_ptr self) {
  auto& st = self->state;
  while (!st.queue->empty() && st.slots.free_slots() > 0) {
    auto now = clock_type::now();
    auto key = st.slots.acquire(now);
    if (!key)
      break;
    auto item = st.queue->pop();
    send_to_worker(self, std::move(item->promise), std::move(item->request),
                   *key, micros_between(item->enqueued, now));
  }
}

reply_promise on_execute(pool_ptr self, execute_request& req) {
  auto& st = self->state;
  auto rp = self->make_response_promise<execute_reply>();
  if (st.failed.code != error_code::none) {
    reply_failure(rp, st.failed);
    return rp;
  }
  if (st.stopping) {
    reply_failure(rp, make_failure(error_code::shutting_down,
                                   "pool " + st.cfg.name + " is stopping"));
    return rp;
  }
  if (auto err = bridge::validate_arguments(req.args_json); !err.empty()) {
    reply_failure(rp, make_failure(error_code::invalid_arguments, err));
    return rp;
  }
  auto now = clock_type::now();
  if (st.queue->empty())
    if (auto key = st.slots.acquire(now)) {
      send_to_worker(self, rp, std::move(req), *key, 0);
      return rp;
    }
  if (!st.queue->push(queued_request{rp, std::move(req), now},
                      now + st.cfg.queue_timeout)) {
    reply_failure(rp, make_failure(error_code::pool_saturated,
                                   "pool " + st.cfg.name + " queue is full ("
                                     + std::to_string(st.queue->capacity())
                                     + " waiting)"));
    return rp;
  }
  arm_queue_timer(self);
  return rp;
}

/// Answers an in-flight call and frees or parks its slot.
void finish_call(pool_ptr self, uint64_t call_id, std::string result_json,
                 failure error) {
  auto& st = self->state;
  auto i = st.inflight.find(call_id);
  auto call = std::move(i->second);
  st.inflight.erase(i);
  if (error.code == error_code::request_timeout) {
    // Python may still run it: keep the slot until the worker says it ended.
    st.abandoned.emplace(call_id, call.worker_key);
    if (auto w = st.workers.find(call.worker_key); w != st.workers.end())
      self->send(w->second.handle, call_abandoned{call_id});
  } else {
    st.slots.release(call.worker_key);
  }
  execute_reply reply;
  reply.result_json = std::move(result_json);
  reply.error = std::move(error);
  reply.worker = call.worker_id;
  reply.queue_us = call.queue_us;
  reply.run_us = micros_between(call.dispatched, clock_type::now());
  call.promise.deliver(std::move(reply));
  pump(self);
}

void on_call_done(pool_ptr self, call_done& done) {
  auto& st = self->state;
  auto i = st.inflight.find(done.call_id);
  if (i == st.inflight.end() || i->second.connection_lost)
    return; // already answered, or waiting for its worker's crash report
  if (done.error.code == error_code::worker_crashed) {
    if (st.stopping) {
      done.error.code = error_code::shutting_down;
      done.error.message = "pool " + st.cfg.name
                           + " stopped while the call ran ("
                           + done.error.message + ")";
    } else if (st.workers.count(done.worker_key) > 0) {
      // The worker's report (worker_exited) usually follows within
      // milliseconds and names the exit code and output; wait for it.
      i->second.connection_lost = std::move(done.error);
      self->delayed_send(self, crash_report_wait, lost_call_atom::value,
                         done.call_id);
      return;
    }
  }
  finish_call(self, done.call_id, std::move(done.result_json),
              std::move(done.error));
}

/// Removes a worker and fails what it had in flight with `why`.
void drop_worker(pool_ptr self, uint64_t key, const failure& why) {
  auto& st = self->state;
  st.slots.remove(key);
  st.workers.erase(key);
  for (auto i = st.abandoned.begin(); i != st.abandoned.end();)
    i = i->second == key ? st.abandoned.erase(i) : std::next(i);
  for (auto i = st.inflight.begin(); i != st.inflight.end();) {
    if (i->second.worker_key == key) {
      reply_failure(i->second.promise, why, i->second.worker_id);
      i = st.inflight.erase(i);
    } else {
      ++i;
    }
  }
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
  st.workers[ev.key] = worker_entry{ev.worker, ev.id, ev.info, 0};
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
    reply_failure(item.promise, st.failed);
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
    reply_failure(item.promise, closing);
  for (auto& [addr, rp] : st.permit_waiters)
    rp.deliver(false);
  st.permit_waiters.clear();
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
    reply_failure(call.promise, closing, call.worker_id);
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
    spec.start = [cfg = st.cfg, env = st.env, pool,
                  next_key](caf::local_actor* sup) {
      worker_spec w;
      w.key = ++*next_key;
      w.id = cfg.name + "/w" + std::to_string(w.key);
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
      auto& st = self->state;
      auto i = st.inflight.find(call_id);
      if (i == st.inflight.end() || !i->second.connection_lost)
        return; // the worker's report came first
      auto why = std::move(*i->second.connection_lost);
      finish_call(self, call_id, {}, std::move(why));
    },
    [self](abandoned_call_ended& ev) {
      auto& st = self->state;
      if (st.abandoned.erase(ev.call_id) > 0) {
        st.slots.release(ev.worker_key);
        pump(self);
      }
    },
    [self](worker_ready& ev) { on_worker_ready(self, ev); },
    [self](worker_exited& ev) {
      auto& st = self->state;
      release_permit(self, caf::actor_cast<caf::actor_addr>(
                             self->current_sender()));
      if (st.workers.count(ev.key) > 0)
        spdlog::warn("pool {}: {}", st.cfg.name, describe(ev.reason));
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
    [self](tick_atom) {
      auto& st = self->state;
      st.tick_at.reset();
      auto now = clock_type::now();
      for (auto& item : st.queue->expire(now))
        reply_failure(item.promise,
                      make_failure(error_code::queue_timeout,
                                   "no worker of pool " + st.cfg.name
                                     + " became free within "
                                     + std::to_string(
                                       st.cfg.queue_timeout.count())
                                     + " ms"));
      arm_queue_timer(self);
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

caf::actor spawn_pool(caf::local_actor* parent, pool_config cfg,
                      std::shared_ptr<const worker_environment> env) {
  return parent->spawn<caf::linked>(pool_behavior, std::move(cfg),
                                    std::move(env));
}

} // namespace snakepit
