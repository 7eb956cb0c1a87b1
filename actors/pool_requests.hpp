#pragma once

/// Internal to the pool actor: the request path. A request is refused,
/// dispatched to the least-loaded free slot, or queued; it ends by its
/// reply, its queue deadline, or its worker's death, exactly once.

#include "actors/pool_state.hpp"
#include "messages/worker_messages.hpp"

namespace snakepit::detail {

/// Answers a request and reports it to telemetry (`request.executed`).
void answer(pool_ptr self, reply_promise& rp, const std::string& command,
            execute_reply reply);

/// Answers a request with a failure that `worker` (empty: none) had (see
/// `answer`).
void answer_failure(pool_ptr self, reply_promise& rp,
                    const std::string& command, failure f,
                    std::string worker = {}, int64_t queue_us = 0);

/// A new request: refused, dispatched at once, or queued.
caf::typed_response_promise<execute_reply>
on_execute(pool_ptr self, execute_request& req);

/// A new stream: `stream_opened` to the sender, then like `on_execute`;
/// the reply is the stream's end.
caf::typed_response_promise<execute_reply>
on_execute_stream(pool_ptr self, execute_request& req);

/// The worker that runs call `call_id`; null when there is none.
caf::actor worker_of_call(pool_ptr self, uint64_t call_id);

/// Ends call `call_id` now with `why`, as if its worker had answered so.
void end_call_early(pool_ptr self, uint64_t call_id, failure why);

/// Moves queued requests onto free slots, oldest first (those waiting for
/// their session's worker first).
void pump(pool_ptr self);

/// Hands a request to worker `key`, whose slot the caller acquired; a
/// stream cancelled meanwhile ends instead.
void dispatch_to(pool_ptr self, reply_promise rp, execute_request req,
                 call_bytes_ptr call, uint64_t key, int64_t queue_us);

/// Queues `item` (due after the queue timeout from its arrival), or
/// refuses it when the queue is full.
void enqueue(pool_ptr self, queued_request item);

/// True when the queue and the requests waiting for their session's
/// worker fill the queue's bound.
bool waiting_room_full(pool_ptr self);

/// Keeps one timer armed for the earliest deadline of a waiting request.
void arm_queue_timer(pool_ptr self);

/// Answers a request with `pool_saturated` ("pool NAME " + `why`) and
/// reports the saturation.
void refuse_saturated(pool_ptr self, reply_promise& rp,
                      const std::string& command, const std::string& why);

/// A worker's gRPC callback reported the end of a call.
void on_call_done(pool_ptr self, call_done& done);

/// The crash-report wait of a call whose connection broke has ended.
void on_lost_call_timeout(pool_ptr self, uint64_t call_id);

/// An abandoned (timed-out) call has left Python: its slot is free.
void on_abandoned_call_ended(pool_ptr self, const abandoned_call_ended& ev);

/// The queue timer fired: answers expired requests, re-arms the timer.
void on_queue_tick(pool_ptr self);

/// What becomes of the calls in flight on a worker that goes.
enum class call_fate {
  /// Answered with the given failure.
  fail,
  /// The worker crashed under them: idempotent ones on their first attempt
  /// run again (first in line for a free slot), the others are answered.
  retry_idempotent,
  /// Kept in `stranded` until `answer_stranded` (the pool is failing and
  /// its cause is not known yet).
  strand,
};

/// Worker `key` leaves the pool: its slots go, and its calls in flight
/// meet `fate` (failing with `why`).
void settle_calls_of(pool_ptr self, uint64_t key, const failure& why,
                     call_fate fate);

/// Answers every stranded call with `why`, naming the worker it ran on.
void answer_stranded(pool_ptr self, const failure& why);

/// Makes the queue, sized by the configuration; once, at start.
void start_request_path(pool_ptr self);

/// Worker `key` is ready with `count` slots: routing may use them.
void open_slots(pool_ptr self, uint64_t key, int count);

/// Worker `key` takes no new requests (it is draining); its busy slots
/// finish.
void close_slots(pool_ptr self, uint64_t key);

/// Answers every queued request with `why`.
void fail_queued(pool_ptr self, const failure& why);

/// Answers every request whose arguments are being checked with `why`.
void fail_checking(pool_ptr self, const failure& why);

/// Answers every call in flight with `why`, naming its worker.
void fail_inflight(pool_ptr self, const failure& why);

} // namespace snakepit::detail
