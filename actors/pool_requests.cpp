#include "actors/pool_requests.hpp"

#include <spdlog/spdlog.h>

#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

#include "actors/argument_checker.hpp"
#include "actors/pool_recycling.hpp"
#include "actors/pool_sessions.hpp"
#include "actors/pool_streams.hpp"
#include "actors/request_checks.hpp"
#include "messages/atoms.hpp"

namespace snakepit::detail {

void arm_queue_timer(pool_ptr self) {
  auto& st = self->state;
  auto next = st.calls.queue->next_deadline();
  if (auto waiting = next_session_deadline(self);
      waiting && (!next || *waiting < *next))
    next = waiting;
  if (!next || (st.calls.tick_at && *st.calls.tick_at <= *next))
    return;
  st.calls.tick_at = *next;
  auto delay = std::max(clock_type::duration::zero(), *next - now_of(self));
  self->delayed_send(self, delay, tick_atom::value);
}

void dispatch_to(pool_ptr self, reply_promise rp, execute_request req,
                    call_bytes_ptr call, uint64_t key, int64_t queue_us) {
  auto& st = self->state;
  caf::actor stream_to;
  if (rp.stream_id != 0) {
    stream_to = stream_caller(self, rp.stream_id);
    if (!stream_to) {
      st.calls.slots.release(key);
      answer_failure(self, rp, req.command,
                     make_failure(error_code::cancelled,
                                  "the caller cancelled the stream"),
                     {}, queue_us);
      return;
    }
  }
  auto& w = st.workers.at(key);
  // At its request limit the worker is due: no need to wait for the
  // lifecycle actor's timer.
  if (++w.snapshot.requests_dispatched == w.snapshot.request_limit)
    ask_due_check(self);
  ++st.calls.dispatched;
  auto call_id = st.calls.next_call_id++;
  auto stream_id = rp.stream_id;
  if (stream_id != 0)
    stream_dispatched(self, stream_id, call_id);
  std::optional<execute_request> retry;
  call_bytes_ptr retry_call_bytes;
  // A stream is never run twice: its caller may have taken chunks.
  if (req.idempotent && stream_id == 0) {
    retry = req;
    retry_call_bytes = call;
  }
  st.calls.inflight.emplace(call_id,
                      inflight_call{std::move(rp), req.command, key,
                                    w.snapshot.id, now_of(self), queue_us,
                                    std::nullopt, std::move(retry),
                                    std::move(retry_call_bytes),
                                    req.session_id});
  if (!req.session_id.empty())
    session_call_started(self, req.session_id, key);
  if (st.calls.slots.free_slots() == 0
      && telemetry::has_subscribers(
        telemetry::topic::of<telemetry::pool_capacity_reached>())) {
    // A saturated pool takes its last slot on nearly every dispatch: report
    // it at most once per capacity_report_gap.
    auto now = now_of(self);
    if (!st.calls.capacity_reported_at
        || now - *st.calls.capacity_reported_at >= capacity_report_gap) {
      st.calls.capacity_reported_at = now;
      telemetry::publish(self, telemetry::make_capacity_reached(
                                 st.cfg.name, w.snapshot.id,
                                 st.calls.slots.total_slots(),
                                 st.calls.slots.busy_slots()));
    }
  }
  self->send(w.handle, dispatch{call_id, std::move(req), std::move(call),
                                std::move(stream_to), stream_id});
}

namespace {

/// Answers an in-flight call with its outcome `done` and frees or parks its
/// slot.
void finish_call(pool_ptr self, call_done done) {
  auto call_id = done.call_id;
  auto& error = done.error;
  auto& st = self->state;
  auto i = st.calls.inflight.find(call_id);
  auto call = std::move(i->second);
  st.calls.inflight.erase(i);
  if (error.code == error_code::request_timeout
      || error.code == error_code::cancelled) {
    // Python may still run it: keep the slot, and the call running in its
    // session, until the worker says it ended.
    st.calls.abandoned.emplace(call_id,
                               abandoned_call{call.worker_key, call.session_id});
    if (auto w = st.workers.find(call.worker_key); w != st.workers.end())
      self->send(w->second.handle, call_abandoned{call_id});
  } else {
    st.calls.slots.release(call.worker_key);
    if (!call.session_id.empty())
      session_call_ended(self, call.session_id, call.worker_key);
  }
  auto worker_key = call.worker_key;
  auto run_us = micros_between(call.dispatched, now_of(self));
  if (error.code == error_code::none) {
    answer(self, call.promise, call.command,
           execute_output{std::move(done.result_json), call.worker_id,
                          call.queue_us, run_us,
                          std::move(done.binary_result), done.binary,
                          done.chunks, done.chunk_bytes});
  } else {
    error.worker = call.worker_id;
    error.queue_us = call.queue_us;
    error.run_us = run_us;
    answer(self, call.promise, call.command, std::move(error));
  }
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
  auto now = now_of(self);
  auto arrived = call.dispatched - std::chrono::microseconds{call.queue_us};
  st.calls.queue->push_front(queued_request{std::move(call.promise), std::move(req),
                                      std::move(call.retry_call_bytes),
                                      arrived},
                       deadline_after(now, st.cfg.queue_timeout));
  arm_queue_timer(self);
  pump(self);
}

} // namespace

void answer(pool_ptr self, reply_promise& rp, const std::string& command,
            execute_reply reply) {
  auto& calls = self->state.calls;
  ++calls.answered;
  if (!reply.ok())
    ++calls.errors[to_string(reply.code())];
  if (telemetry::has_subscribers(
        telemetry::topic::of<telemetry::request_executed>())) {
    auto& st = self->state;
    const auto& worker = reply ? reply->worker : reply.error().worker;
    std::chrono::microseconds wait{reply ? reply->queue_us
                                         : reply.error().queue_us};
    std::chrono::microseconds run{reply ? reply->run_us
                                        : reply.error().run_us};
    telemetry::publish(
      self, telemetry::make_request_executed(
              st.cfg.name, worker, command, reply.ok(), wait + run, wait,
              reply.ok() ? std::string{} : to_string(reply.code()),
              reply.ok() ? static_cast<int64_t>(reply->chunks) : 0,
              reply.ok() ? static_cast<int64_t>(reply->chunk_bytes) : 0));
  }
  if (rp.stream_id != 0)
    end_stream(self, rp.stream_id);
  rp.deliver(std::move(reply));
}

void answer_failure(pool_ptr self, reply_promise& rp,
                    const std::string& command, failure f, std::string worker,
                    int64_t queue_us) {
  f.worker = std::move(worker);
  f.queue_us = queue_us;
  f.run_us = 0;
  answer(self, rp, command, std::move(f));
}

void pump(pool_ptr self) {
  auto& st = self->state;
  pump_sessions(self);
  while (!st.calls.queue->empty() && st.calls.slots.free_slots() > 0) {
    auto item = st.calls.queue->pop();
    if (!item->request.session_id.empty()) {
      route_queued_session(self, std::move(*item));
      continue;
    }
    auto now = now_of(self);
    auto key = st.calls.slots.acquire(now);
    dispatch_to(self, std::move(item->promise), std::move(item->request),
                std::move(item->call_bytes), *key,
                micros_between(item->enqueued, now));
  }
}

bool waiting_room_full(pool_ptr self) {
  const auto& queue = *self->state.calls.queue;
  return queue.size() + sessions_waiting(self) >= queue.capacity();
}

void enqueue(pool_ptr self, queued_request item) {
  auto& st = self->state;
  if (st.calls.queue->full()) {
    refuse_saturated(self, item.promise, item.request.command,
                     "queue is full ("
                       + std::to_string(st.calls.queue->capacity())
                       + " waiting)");
    return;
  }
  auto due = deadline_after(item.enqueued, st.cfg.queue_timeout);
  st.calls.queue->push(std::move(item), due);
  arm_queue_timer(self);
}

void refuse_saturated(pool_ptr self, reply_promise& rp,
                      const std::string& command, const std::string& why) {
  auto& st = self->state;
  ++st.calls.saturated;
  if (telemetry::has_subscribers(
        telemetry::topic::of<telemetry::pool_saturated>()))
    telemetry::publish(self, telemetry::make_pool_saturated(
                               st.cfg.name,
                               st.calls.queue->size() + sessions_waiting(self),
                               st.calls.queue->capacity(),
                               static_cast<int>(st.workers.size()),
                               st.calls.slots.busy_slots()));
  answer_failure(self, rp, command,
                 make_failure(error_code::pool_saturated,
                              "pool " + st.cfg.name + " " + why));
}

namespace {

/// Answers a request to a failed or stopping pool; false if it is neither.
bool refuse_if_closed(pool_ptr self, reply_promise& rp,
                      const std::string& command) {
  auto& st = self->state;
  if (st.supervision.failed.code != error_code::none) {
    answer_failure(self, rp, command, st.supervision.failed);
    return true;
  }
  if (st.stopping) {
    answer_failure(self, rp, command,
                   make_failure(error_code::shutting_down,
                                "pool " + st.cfg.name + " is stopping"));
    return true;
  }
  return false;
}

/// A request whose arguments passed: dispatched at once, queued, or
/// refused (pool closed meanwhile, queue full).
void admit(pool_ptr self, reply_promise& rp, execute_request req,
           call_bytes_ptr call) {
  auto& st = self->state;
  if (refuse_if_closed(self, rp, req.command))
    return;
  if (!req.session_id.empty()) {
    admit_session(self, rp, std::move(req), std::move(call));
    return;
  }
  auto now = now_of(self);
  if (st.calls.queue->empty())
    if (auto key = st.calls.slots.acquire(now)) {
      dispatch_to(self, rp, std::move(req), std::move(call), *key, 0);
      return;
    }
  if (waiting_room_full(self)) {
    refuse_saturated(self, rp, req.command,
                     "queue is full ("
                       + std::to_string(st.calls.queue->capacity()) + " waiting)");
    return;
  }
  enqueue(self, queued_request{rp, std::move(req), std::move(call), now});
}

/// Takes the request of check `check_id` out of the checking table;
/// nullopt if it was answered already (when the pool stopped).
std::optional<pending_check> take_check(pool_ptr self, uint64_t check_id) {
  auto& st = self->state;
  auto i = st.calls.checking.find(check_id);
  if (i == st.calls.checking.end())
    return std::nullopt;
  auto pending = std::move(i->second);
  st.calls.checking.erase(i);
  return pending;
}

/// A checker has answered for the large request `check_id`.
void on_arguments_checked(pool_ptr self, uint64_t check_id,
                          checked_request& checked) {
  auto pending = take_check(self, check_id);
  if (!pending)
    return;
  if (checked.error.code != error_code::none) {
    answer_failure(self, pending->promise, pending->command,
                   std::move(checked.error));
    return;
  }
  admit(self, pending->promise, std::move(checked.request),
        std::make_shared<const std::string>(std::move(checked.call_bytes)));
}

/// Hands the arguments of a large request to a one-shot checker; the pool
/// goes on with other requests meanwhile.
void check_off_path(pool_ptr self, reply_promise& rp, execute_request& req) {
  auto& st = self->state;
  auto check_id = st.calls.next_check_id++;
  st.calls.checking.emplace(check_id, pending_check{rp, req.command});
  auto checker = spawn_argument_checker(self, req.args_json.size(), st.cfg);
  self->request(checker, caf::infinite, check_args_atom::value, std::move(req),
                rp.stream_id != 0)
    .then(
      [self, check_id](checked_request& checked) {
        on_arguments_checked(self, check_id, checked);
      },
      [self, check_id](caf::error& err) {
        if (auto pending = take_check(self, check_id))
          answer_failure(self, pending->promise, pending->command,
                         make_failure(error_code::internal,
                                      "the arguments could not be checked: "
                                        + caf::to_string(err)));
      });
}


/// A new request (a stream when `rp.stream_id` is set): refused, checked
/// (here if small, else off the pool's path), then dispatched or queued.
void take_request(pool_ptr self, reply_promise& rp, execute_request& req) {
  auto& st = self->state;
  if (auto refused = check_request_fields(req, st.cfg.name)) {
    answer_failure(self, rp, command_label(req.command), std::move(*refused));
    return;
  }
  if (refuse_if_closed(self, rp, req.command))
    return;
  if (req.args_json.size() + binary_arg_bytes(req) > inline_check_bytes) {
    // Requests being checked are bounded like those waiting in the queue.
    if (st.calls.checking.size() >= st.calls.queue->capacity())
      refuse_saturated(self, rp, req.command,
                       "is checking " + std::to_string(st.calls.checking.size())
                         + " large requests (queue_size)");
    else
      check_off_path(self, rp, req);
    return;
  }
  auto checked = prepare_call(req, st.cfg, rp.stream_id != 0);
  if (auto* refused = std::get_if<failure>(&checked)) {
    answer_failure(self, rp, req.command, std::move(*refused));
    return;
  }
  admit(self, rp, std::move(req),
        std::make_shared<const std::string>(
          std::move(std::get<std::string>(checked))));
}

} // namespace

caf::typed_response_promise<execute_reply>
on_execute(pool_ptr self, execute_request& req) {
  reply_promise rp{self->make_response_promise<execute_reply>(), 0};
  take_request(self, rp, req);
  return rp.promise;
}

caf::typed_response_promise<execute_reply>
on_execute_stream(pool_ptr self, execute_request& req) {
  // Before the promise, which takes the sender out of the message.
  auto stream_id = open_stream(self);
  reply_promise rp{self->make_response_promise<execute_reply>(), stream_id};
  if (rp.stream_id == 0)
    answer_failure(self, rp, command_label(req.command),
                   make_failure(error_code::invalid_arguments,
                                "a stream needs a caller actor to send its "
                                "chunks to (anonymous sender)"));
  else
    take_request(self, rp, req);
  return rp.promise;
}

caf::actor worker_of_call(pool_ptr self, uint64_t call_id) {
  auto& st = self->state;
  auto i = st.calls.inflight.find(call_id);
  if (i == st.calls.inflight.end())
    return {};
  auto w = st.workers.find(i->second.worker_key);
  return w == st.workers.end() ? caf::actor{} : w->second.handle;
}

void end_call_early(pool_ptr self, uint64_t call_id, failure why) {
  auto& st = self->state;
  auto i = st.calls.inflight.find(call_id);
  if (i == st.calls.inflight.end())
    return;
  finish_call(self, call_done{call_id, i->second.worker_key, {},
                              std::move(why)});
}

/// A worker's gRPC callback reported the end of a call.
void on_call_done(pool_ptr self, call_done& done) {
  auto& st = self->state;
  auto i = st.calls.inflight.find(done.call_id);
  if (i == st.calls.inflight.end() || i->second.connection_lost)
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
  finish_call(self, std::move(done));
}

void settle_calls_of(pool_ptr self, uint64_t key, const failure& why,
                     call_fate fate) {
  auto& calls = self->state.calls;
  calls.slots.remove(key);
  for (auto i = calls.abandoned.begin(); i != calls.abandoned.end();)
    i = i->second.worker_key == key ? calls.abandoned.erase(i) : std::next(i);
  std::vector<inflight_call> ended;
  for (auto i = calls.inflight.begin(); i != calls.inflight.end();) {
    if (i->second.worker_key == key) {
      ended.push_back(std::move(i->second));
      i = calls.inflight.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& call : ended) {
    if (fate == call_fate::strand)
      calls.stranded.push_back(std::move(call));
    else if (fate == call_fate::retry_idempotent && call.retry)
      retry_call(self, std::move(call), why);
    else
      answer_failure(self, call.promise, call.command, why, call.worker_id,
                     call.queue_us);
  }
}

void answer_stranded(pool_ptr self, const failure& why) {
  auto& st = self->state;
  auto calls = std::move(st.calls.stranded);
  st.calls.stranded.clear();
  for (auto& call : calls) {
    auto f = why;
    f.message += " (the call was running on worker " + call.worker_id + ")";
    answer_failure(self, call.promise, call.command, std::move(f),
                   call.worker_id, call.queue_us);
  }
}

void on_lost_call_timeout(pool_ptr self, uint64_t call_id) {
  auto& st = self->state;
  auto i = st.calls.inflight.find(call_id);
  if (i == st.calls.inflight.end() || !i->second.connection_lost)
    return; // the worker's report came first
  call_done lost{call_id, i->second.worker_key, {},
                 std::move(*i->second.connection_lost)};
  finish_call(self, std::move(lost));
}

void on_abandoned_call_ended(pool_ptr self, const abandoned_call_ended& ev) {
  auto& st = self->state;
  auto i = st.calls.abandoned.find(ev.call_id);
  if (i == st.calls.abandoned.end())
    return;
  auto call = std::move(i->second);
  st.calls.abandoned.erase(i);
  st.calls.slots.release(call.worker_key);
  if (!call.session_id.empty())
    session_call_ended(self, call.session_id, call.worker_key);
  retire_if_drained(self, call.worker_key);
  pump(self);
}

void on_queue_tick(pool_ptr self) {
  auto& st = self->state;
  st.calls.tick_at.reset();
  auto now = now_of(self);
  auto expired = st.calls.queue->expire(now);
  for (auto& item : expire_session_waiters(self, now))
    expired.push_back(std::move(item));
  for (auto& item : expired)
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

void start_request_path(pool_ptr self) {
  self->state.calls.queue.emplace(self->state.cfg.queue_size);
}

void open_slots(pool_ptr self, uint64_t key, int count) {
  self->state.calls.slots.add(key, count);
}

void close_slots(pool_ptr self, uint64_t key) {
  self->state.calls.slots.set_accepting(key, false);
}

void fail_queued(pool_ptr self, const failure& why) {
  for (auto& item : self->state.calls.queue->drain())
    answer_failure(self, item.promise, item.request.command, why);
  fail_session_waiters(self, why);
}

void fail_checking(pool_ptr self, const failure& why) {
  auto& checking = self->state.calls.checking;
  for (auto& [id, pending] : checking)
    answer_failure(self, pending.promise, pending.command, why);
  checking.clear();
}

void fail_inflight(pool_ptr self, const failure& why) {
  auto& inflight = self->state.calls.inflight;
  for (auto& [id, call] : inflight)
    answer_failure(self, call.promise, call.command, why, call.worker_id,
                   call.queue_us);
  inflight.clear();
}

} // namespace snakepit::detail
