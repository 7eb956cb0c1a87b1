#include "actors/pool_requests.hpp"

#include <spdlog/spdlog.h>

#include "actors/pool_recycling.hpp"
#include "bridge/json_values.hpp"
#include "messages/atoms.hpp"
#include "telemetry/bus.hpp"
#include "telemetry/events.hpp"

namespace snakepit::detail {

namespace {

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

/// Hands a request to worker `key`, whose slot the caller acquired.
void send_to_worker(pool_ptr self, reply_promise rp, execute_request req,
                    uint64_t key, int64_t queue_us) {
  auto& st = self->state;
  auto& w = st.workers.at(key);
  ++w.requests;
  ++st.requests;
  auto call_id = st.next_call_id++;
  std::optional<execute_request> retry;
  if (req.idempotent)
    retry = req;
  st.inflight.emplace(call_id,
                      inflight_call{std::move(rp), req.command, key, w.id,
                                    clock_type::now(), queue_us,
                                    std::nullopt, std::move(retry)});
  if (st.slots.free_slots() == 0 && telemetry::has_subscribers()) {
    // A saturated pool takes its last slot on nearly every dispatch: report
    // it at most once per capacity_report_gap.
    auto now = clock_type::now();
    if (!st.capacity_reported_at
        || now - *st.capacity_reported_at >= capacity_report_gap) {
      st.capacity_reported_at = now;
      telemetry::publish(self, telemetry::make_capacity_reached(
                                 st.cfg.name, w.id, st.slots.total_slots(),
                                 st.slots.busy_slots()));
    }
  }
  self->send(w.handle, dispatch{call_id, std::move(req)});
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
  auto worker_key = call.worker_key;
  execute_reply reply;
  reply.result_json = std::move(result_json);
  reply.error = std::move(error);
  reply.worker = call.worker_id;
  reply.queue_us = call.queue_us;
  reply.run_us = micros_between(call.dispatched, clock_type::now());
  answer(self, call.promise, call.command, std::move(reply));
  retire_if_drained(self, worker_key);
  pump(self);
}

/// Runs an idempotent call whose worker crashed under it once more: first
/// in line for the next free slot, on another worker (the crashed one is
/// gone), or its replacement.
void retry_call(pool_ptr self, inflight_call call, const failure& why) {
  auto& st = self->state;
  auto req = std::move(*call.retry);
  req.idempotent = false; // once
  spdlog::warn("pool {}: retrying idempotent call {} once on another worker "
               "({})",
               st.cfg.name, req.command, why.message);
  auto now = clock_type::now();
  auto arrived = call.dispatched - std::chrono::microseconds{call.queue_us};
  st.queue->push_front(queued_request{std::move(call.promise), std::move(req),
                                      arrived},
                       deadline_after(now, st.cfg.queue_timeout));
  arm_queue_timer(self);
  pump(self);
}

} // namespace

void answer(pool_ptr self, reply_promise& rp, const std::string& command,
            execute_reply reply) {
  auto& counts = self->state;
  ++counts.answered;
  if (!reply.ok())
    ++counts.errors[to_string(reply.error.code)];
  if (telemetry::has_subscribers()) {
    auto& st = self->state;
    std::chrono::microseconds wait{reply.queue_us};
    telemetry::publish(
      self, telemetry::make_request_executed(
              st.cfg.name, reply.worker, command, reply.ok(),
              wait + std::chrono::microseconds{reply.run_us}, wait,
              reply.ok() ? std::string{} : to_string(reply.error.code)));
  }
  rp.deliver(std::move(reply));
}

void answer_failure(pool_ptr self, reply_promise& rp,
                    const std::string& command, failure f, std::string worker,
                    int64_t queue_us) {
  execute_reply reply;
  reply.error = std::move(f);
  reply.worker = std::move(worker);
  reply.queue_us = queue_us;
  answer(self, rp, command, std::move(reply));
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

/// A new request: refused, dispatched at once, or queued.
reply_promise on_execute(pool_ptr self, execute_request& req) {
  auto& st = self->state;
  auto rp = self->make_response_promise<execute_reply>();
  if (st.failed.code != error_code::none) {
    answer_failure(self, rp, req.command, st.failed);
    return rp;
  }
  if (st.stopping) {
    answer_failure(self, rp, req.command,
                   make_failure(error_code::shutting_down,
                                "pool " + st.cfg.name + " is stopping"));
    return rp;
  }
  if (auto err = bridge::validate_arguments(req.args_json); !err.empty()) {
    answer_failure(self, rp, req.command,
                   make_failure(error_code::invalid_arguments, err));
    return rp;
  }
  auto now = clock_type::now();
  if (st.queue->empty())
    if (auto key = st.slots.acquire(now)) {
      send_to_worker(self, rp, std::move(req), *key, 0);
      return rp;
    }
  if (st.queue->full()) {
    ++st.saturated;
    if (telemetry::has_subscribers())
      telemetry::publish(self, telemetry::make_pool_saturated(
                                 st.cfg.name, st.queue->size(),
                                 st.queue->capacity(),
                                 static_cast<int>(st.workers.size()),
                                 st.slots.busy_slots()));
    answer_failure(self, rp, req.command,
                   make_failure(error_code::pool_saturated,
                                "pool " + st.cfg.name + " queue is full ("
                                  + std::to_string(st.queue->capacity())
                                  + " waiting)"));
    return rp;
  }
  st.queue->push(queued_request{rp, std::move(req), now},
                 now + st.cfg.queue_timeout);
  arm_queue_timer(self);
  return rp;
}

/// A worker's gRPC callback reported the end of a call.
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

/// Removes a worker; its calls in flight meet `fate`.
void drop_worker(pool_ptr self, uint64_t key, const failure& why,
                 call_fate fate) {
  auto& st = self->state;
  forget_recycle_of(self, key);
  st.slots.remove(key);
  st.workers.erase(key);
  for (auto i = st.abandoned.begin(); i != st.abandoned.end();)
    i = i->second == key ? st.abandoned.erase(i) : std::next(i);
  std::vector<inflight_call> calls;
  for (auto i = st.inflight.begin(); i != st.inflight.end();) {
    if (i->second.worker_key == key) {
      calls.push_back(std::move(i->second));
      i = st.inflight.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& call : calls) {
    if (fate == call_fate::strand)
      st.stranded.push_back(std::move(call));
    else if (fate == call_fate::retry_idempotent && call.retry)
      retry_call(self, std::move(call), why);
    else
      answer_failure(self, call.promise, call.command, why, call.worker_id,
                     call.queue_us);
  }
}

void answer_stranded(pool_ptr self, const failure& why) {
  auto& st = self->state;
  auto calls = std::move(st.stranded);
  st.stranded.clear();
  for (auto& call : calls) {
    auto f = why;
    f.message += " (the call was running on worker " + call.worker_id + ")";
    answer_failure(self, call.promise, call.command, std::move(f),
                   call.worker_id, call.queue_us);
  }
}

void on_lost_call_timeout(pool_ptr self, uint64_t call_id) {
  auto& st = self->state;
  auto i = st.inflight.find(call_id);
  if (i == st.inflight.end() || !i->second.connection_lost)
    return; // the worker's report came first
  auto why = std::move(*i->second.connection_lost);
  finish_call(self, call_id, {}, std::move(why));
}

void on_abandoned_call_ended(pool_ptr self, const abandoned_call_ended& ev) {
  auto& st = self->state;
  if (st.abandoned.erase(ev.call_id) > 0) {
    st.slots.release(ev.worker_key);
    retire_if_drained(self, ev.worker_key);
    pump(self);
  }
}

void on_queue_tick(pool_ptr self) {
  auto& st = self->state;
  st.tick_at.reset();
  auto now = clock_type::now();
  for (auto& item : st.queue->expire(now))
    answer_failure(self, item.promise, item.request.command,
                   make_failure(error_code::queue_timeout,
                                "no worker of pool " + st.cfg.name
                                  + " became free within "
                                  + std::to_string(
                                    st.cfg.queue_timeout.count())
                                  + " ms"),
                   {}, micros_between(item.enqueued, now));
  arm_queue_timer(self);
}

} // namespace snakepit::detail
