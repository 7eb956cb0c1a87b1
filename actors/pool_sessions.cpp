#include "actors/pool_sessions.hpp"

#include <spdlog/spdlog.h>

#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

#include "actors/pool_recycling.hpp"
#include "actors/pool_requests.hpp"
#include "messages/atoms.hpp"

namespace snakepit::detail {

namespace {

/// The longest and shortest time between two expiry sweeps.
constexpr auto max_sweep_gap = std::chrono::seconds{1};
constexpr auto min_sweep_gap = std::chrono::milliseconds{20};

template <class Event>
bool wanted() {
  return telemetry::has_subscribers(telemetry::topic::of<Event>());
}

affinity_mode mode_of(pool_ptr self, const execute_request& req) {
  return req.affinity == affinity_mode::pool_default
           ? self->state.cfg.session_affinity
           : req.affinity;
}

std::string worker_name(pool_ptr self, uint64_t key) {
  auto& workers = self->state.workers;
  auto w = workers.find(key);
  return w == workers.end() ? std::string{} : w->second.snapshot.id;
}

failure lost_failure(pool_ptr self, const std::string& id) {
  const auto* s = self->state.sessions.table.find(id);
  auto why = s != nullptr && s->state == session_state::lost
               ? s->lost_reason
               : std::string{"it was closed"};
  return make_failure(error_code::session_lost,
                      "session " + id + " of pool " + self->state.cfg.name
                        + " is lost: " + why
                        + "; close it (or let it expire) to start it anew");
}

failure busy_failure(pool_ptr self, const std::string& id) {
  const auto* s = self->state.sessions.table.find(id);
  auto session = "session " + id + " of pool " + self->state.cfg.name;
  auto what = "the worker of " + session + " is busy";
  if (s != nullptr && s->state == session_state::moving)
    what = session + " is moving to another worker";
  else if (s != nullptr && s->state == session_state::closing)
    what = session + " is being closed";
  return make_failure(error_code::session_busy,
                      what + " (affinity strict_fail_fast)");
}

/// Answers every request waiting for session `id` with `why`.
void fail_waiters_of(pool_ptr self, const std::string& id,
                     const failure& why) {
  auto& book = self->state.sessions;
  auto q = book.waiting.find(id);
  if (q == book.waiting.end())
    return;
  auto items = q->second.drain();
  book.waiting.erase(q);
  book.waiting_count -= items.size();
  for (auto& item : items)
    answer_failure(self, item.promise, item.request.command, why);
}

/// Makes `item` wait for its session's worker, after the session's other
/// waiting requests, within its queue timeout.
void wait_for_session(pool_ptr self, queued_request item) {
  auto& st = self->state;
  auto& book = st.sessions;
  auto id = item.request.session_id;
  auto q = book.waiting.find(id);
  if (q == book.waiting.end())
    q = book.waiting.emplace(id, request_queue<queued_request>{
                                   st.cfg.queue_size}).first;
  if (q->second.full()) {
    refuse_saturated(self, item.promise, item.request.command,
                     "has " + std::to_string(q->second.size())
                       + " requests waiting for session " + id
                       + " (queue_size)");
    return;
  }
  auto deadline = deadline_after(item.enqueued, st.cfg.queue_timeout);
  q->second.push(std::move(item), deadline);
  ++book.waiting_count;
  arm_queue_timer(self);
}

/// Sends session operation `op` to worker `key`; false when it is gone.
bool send_op(pool_ptr self, uint64_t key, session_op op) {
  auto w = self->state.workers.find(key);
  if (w == self->state.workers.end())
    return false;
  self->send(w->second.handle, std::move(op));
  return true;
}

/// Tells worker `key` to close session `id`; the close is done when it
/// answers.
void close_in(pool_ptr self, uint64_t key, const std::string& id) {
  auto& book = self->state.sessions;
  auto op_id = book.next_op_id++;
  if (send_op(self, key,
              session_op{op_id, session_op_kind::close, id, false, false, {}}))
    book.table.await_close(op_id, id, key);
}

/// Closes session `id` on the workers that may hold state of it and run
/// none of its calls; the others close it when their calls end. Nullopt
/// when the pool does not know it or closed it already.
std::optional<session_close> close_session(pool_ptr self,
                                           const std::string& id) {
  auto closed = self->state.sessions.table.close(id);
  if (closed)
    for (auto key : closed->close_now)
      close_in(self, key, id);
  return closed;
}

/// Refuses the request of a new session over `max_sessions`: true when
/// refused.
bool refuse_new_session(pool_ptr self, reply_promise& rp,
                        const std::string& command) {
  auto& st = self->state;
  auto held = st.sessions.table.open();
  if (held < static_cast<std::size_t>(st.cfg.max_sessions))
    return false;
  refuse_saturated(self, rp, command,
                   "holds " + std::to_string(held)
                     + " sessions (max_sessions)");
  return true;
}

/// Session `id` is lost for `reason`: its waiters fail, it is reported.
void lose(pool_ptr self, const std::string& id, const std::string& worker,
          const std::string& reason) {
  auto& st = self->state;
  if (!st.sessions.table.lose(id, reason, now_of(self)))
    return;
  spdlog::warn("pool {}: session {} lost: {}", st.cfg.name, id, reason);
  if (wanted<telemetry::session_lost>())
    telemetry::publish(self, telemetry::make_session_lost(st.cfg.name, id,
                                                          worker, reason));
  fail_waiters_of(self, id, lost_failure(self, id));
}

/// Takes the state of moving session `id` from its owner.
void start_snapshot(pool_ptr self, const std::string& id) {
  auto& st = self->state;
  auto& book = st.sessions;
  const auto* s = book.table.find(id);
  auto op_id = book.next_op_id++;
  session_move move{id, s->owner, s->move_to, now_of(self), false, 0};
  if (!send_op(self, s->owner,
               session_op{op_id, session_op_kind::snapshot, id, false, false,
                          {}})) {
    lose(self, id, worker_name(self, s->owner),
         "its worker went before its state could be moved");
    return;
  }
  book.table.await_move(op_id, std::move(move));
}

/// Keeps the expiry timer armed while there are sessions.
void arm_sweep(pool_ptr self) {
  auto& st = self->state;
  auto& book = st.sessions;
  if (book.sweep_armed || book.table.size() == 0)
    return;
  auto oldest = book.table.oldest_use();
  auto due = deadline_after(*oldest, st.cfg.session_ttl);
  auto gap = std::clamp<clock_type::duration>(due - now_of(self),
                                              min_sweep_gap, max_sweep_gap);
  book.sweep_armed = true;
  self->delayed_send(self, gap, session_sweep_atom::value);
}

/// Dispatches `item` on a free slot as its route says; false when it must
/// wait (or was answered).
bool dispatch_session(pool_ptr self, queued_request& item, session_route r,
                      clock_type::time_point now) {
  auto& st = self->state;
  const auto& id = item.request.session_id;
  std::optional<uint64_t> key;
  if (r == session_route::owner) {
    auto owner = st.sessions.table.find(id)->owner;
    if (st.calls.slots.acquire_on(owner, now))
      key = owner;
  } else {
    key = st.calls.slots.acquire(now);
  }
  if (!key)
    return false;
  dispatch_to(self, std::move(item.promise), std::move(item.request),
              std::move(item.call_bytes), *key,
              micros_between(item.enqueued, now));
  return true;
}

} // namespace

void admit_session(pool_ptr self, reply_promise& rp, execute_request req,
                   call_bytes_ptr call) {
  auto& st = self->state;
  const auto id = req.session_id;
  auto now = now_of(self);
  auto route = st.sessions.table.route(id, mode_of(self, req), st.calls.slots);
  switch (route) {
    case session_route::lost:
      answer_failure(self, rp, req.command, lost_failure(self, id));
      return;
    case session_route::busy:
      answer_failure(self, rp, req.command, busy_failure(self, id));
      return;
    case session_route::any_new:
      if (refuse_new_session(self, rp, req.command))
        return;
      break;
    default:
      break;
  }
  if (waiting_room_full(self)) {
    bool can_run = route == session_route::owner
                   || (st.calls.queue->empty() && route != session_route::wait
                       && st.calls.slots.free_slots() > 0);
    if (!can_run) {
      refuse_saturated(self, rp, req.command,
                       "queue is full ("
                         + std::to_string(st.calls.queue->capacity())
                         + " waiting)");
      return;
    }
  }
  queued_request item{rp, std::move(req), std::move(call), now};
  if (route == session_route::wait) {
    wait_for_session(self, std::move(item));
    return;
  }
  // A session's own worker serves it ahead of the queue; others keep the
  // queue's order.
  if ((route == session_route::owner || st.calls.queue->empty())
      && dispatch_session(self, item, route, now))
    return;
  enqueue(self, std::move(item));
}

void route_queued_session(pool_ptr self, queued_request item) {
  auto& st = self->state;
  const auto& id = item.request.session_id;
  auto route = st.sessions.table.route(id, mode_of(self, item.request),
                                       st.calls.slots);
  switch (route) {
    case session_route::lost:
      answer_failure(self, item.promise, item.request.command,
                     lost_failure(self, id),
                     {}, micros_between(item.enqueued, now_of(self)));
      return;
    case session_route::busy:
      answer_failure(self, item.promise, item.request.command,
                     busy_failure(self, id),
                     {}, micros_between(item.enqueued, now_of(self)));
      return;
    case session_route::wait:
      wait_for_session(self, std::move(item));
      return;
    case session_route::any_new:
      // Queued while other new sessions took the room left.
      if (refuse_new_session(self, item.promise, item.request.command))
        return;
      [[fallthrough]];
    default:
      if (!dispatch_session(self, item, route, now_of(self)))
        wait_for_session(self, std::move(item));
  }
}

void pump_sessions(pool_ptr self) {
  auto& st = self->state;
  auto& book = st.sessions;
  for (auto q = book.waiting.begin(); q != book.waiting.end();) {
    const auto id = q->first;
    auto& queue = q->second;
    while (!queue.empty()) {
      auto now = now_of(self);
      auto item = queue.pop();
      --book.waiting_count;
      auto route = book.table.route(id, mode_of(self, item->request),
                                    st.calls.slots);
      if (route == session_route::lost) {
        answer_failure(self, item->promise, item->request.command,
                       lost_failure(self, id), {},
                       micros_between(item->enqueued, now));
        continue;
      }
      // Waited for the session's close: now it opens a new one.
      if (route == session_route::any_new
          && refuse_new_session(self, item->promise, item->request.command))
        continue;
      if (route != session_route::wait
          && route != session_route::busy
          && dispatch_session(self, *item, route, now))
        continue;
      // Not yet: back in front, in its place.
      queue.push_front(std::move(*item),
                       deadline_after(item->enqueued, st.cfg.queue_timeout));
      ++book.waiting_count;
      break;
    }
    q = queue.empty() ? book.waiting.erase(q) : std::next(q);
  }
}

void session_call_started(pool_ptr self, const std::string& id,
                          uint64_t key) {
  auto& st = self->state;
  if (st.sessions.table.call_started(id, key, now_of(self))) {
    if (wanted<telemetry::session_created>())
      telemetry::publish(self, telemetry::make_session_created(
                                 st.cfg.name, id, worker_name(self, key)));
    arm_sweep(self);
  }
}

void session_call_ended(pool_ptr self, const std::string& id, uint64_t key) {
  auto& table = self->state.sessions.table;
  if (table.call_ended(id, key, now_of(self)))
    close_in(self, key, id); // closed while this call ran
  else if (table.ready_to_move(id))
    start_snapshot(self, id);
}

void sessions_worker_gone(pool_ptr self, uint64_t key,
                          const std::string& worker_id,
                          const std::string& why) {
  auto& table = self->state.sessions.table;
  table.forget_worker(key);
  if (self->state.stopping)
    return; // the pool goes, and its sessions with it
  for (const auto& id : table.owned_by(key))
    lose(self, id, worker_id, "its worker " + worker_id + " went (" + why + ")");
  for (const auto& id : table.moving_to(key))
    lose(self, id, worker_id,
         "the worker it was moving to, " + worker_id + ", went (" + why + ")");
}

void sessions_drain_cut_off(pool_ptr self, uint64_t key) {
  auto& st = self->state;
  auto& table = st.sessions.table;
  if (!table.moving_from(key))
    return;
  auto name = worker_name(self, key);
  auto limit = "drain_timeout (" + std::to_string(st.cfg.drain_timeout.count())
               + " ms)";
  for (const auto& id : table.owned_by(key)) {
    const auto* s = table.find(id);
    if (s->state != session_state::moving)
      continue;
    lose(self, id, name,
         "its worker " + name + " was recycled and "
           + (s->running_on(key) > 0
                ? "a call of the session still ran on it when " + limit
                    + " ran out, so its state could not be moved"
                : "moving its state did not finish within " + limit));
  }
}

void sessions_worker_draining(pool_ptr self, uint64_t old_key,
                              uint64_t new_key) {
  auto& st = self->state;
  auto& table = st.sessions.table;
  auto ids = table.owned_by(old_key);
  if (ids.empty())
    return;
  auto can_move = [&](uint64_t key) {
    auto w = st.workers.find(key);
    return w != st.workers.end() && w->second.snapshot.info.session_snapshots;
  };
  bool movable = st.cfg.transport == worker_transport::native
                 && can_move(old_key) && can_move(new_key);
  auto old_id = worker_name(self, old_key);
  for (const auto& id : ids) {
    if (!movable) {
      lose(self, id, old_id,
           "its worker " + old_id + " was recycled and "
             + (st.cfg.transport == worker_transport::native
                  ? "the adapter has no snapshot_session/restore_session"
                  : "sessions move on the native transport only"));
      continue;
    }
    table.begin_move(id, new_key);
    if (table.ready_to_move(id))
      start_snapshot(self, id);
  }
}

bool sessions_moving_from(pool_ptr self, uint64_t key) {
  return self->state.sessions.table.moving_from(key);
}

void on_session_op_done(pool_ptr self, session_op_done& done) {
  auto& st = self->state;
  auto& book = st.sessions;
  auto taken = book.table.take_move(done.op_id);
  if (!taken) {
    if (done.error.code != error_code::none)
      spdlog::warn("pool {}: closing a session failed: {}", st.cfg.name,
                   done.error.message);
    // The last answer to a close: the session's waiting requests go on.
    if (book.table.close_done(done.op_id))
      pump(self);
    return;
  }
  auto move = std::move(*taken);
  const auto* s = book.table.find(move.session);
  bool current = s != nullptr && s->state == session_state::moving
                 && s->owner == move.from && s->move_to == move.to;
  if (!current) {
    // Closed or lost meanwhile: the replacement must not keep a state.
    if (move.restoring && done.error.code == error_code::none)
      close_in(self, move.to, move.session);
  } else if (done.error.code != error_code::none) {
    lose(self, move.session, worker_name(self, move.from),
         std::string{move.restoring ? "restoring" : "taking"}
           + " its state failed: " + done.error.message);
  } else if (!move.restoring) {
    move.restoring = true;
    move.state_bytes = static_cast<int64_t>(done.state.size());
    auto op_id = book.next_op_id++;
    if (send_op(self, move.to,
                session_op{op_id, session_op_kind::restore, move.session,
                           done.has_state, done.binary,
                           std::move(done.state)}))
      book.table.await_move(op_id, std::move(move));
    else
      lose(self, move.session, worker_name(self, move.from),
           "its new worker went before the state arrived");
    return;
  } else {
    book.table.finish_move(move.session, now_of(self));
    spdlog::info("pool {}: session {} moved from {} to {}", st.cfg.name,
                 move.session, worker_name(self, move.from),
                 worker_name(self, move.to));
    if (wanted<telemetry::session_moved>())
      telemetry::publish(self, telemetry::make_session_moved(
                                 st.cfg.name, move.session,
                                 worker_name(self, move.from),
                                 worker_name(self, move.to), move.state_bytes,
                                 now_of(self) - move.started));
    pump(self);
  }
  retire_if_drained(self, move.from);
}

bool on_close_session(pool_ptr self, const std::string& id) {
  auto closed = close_session(self, id);
  if (!closed)
    return false;
  fail_waiters_of(self, id, lost_failure(self, id));
  if (closed->entry.state == session_state::moving)
    retire_if_drained(self, closed->entry.owner);
  return true;
}

void on_session_sweep(pool_ptr self) {
  auto& st = self->state;
  auto& book = st.sessions;
  book.sweep_armed = false;
  auto now = now_of(self);
  for (const auto& id : book.table.idle(now, st.cfg.session_ttl)) {
    if (book.waiting.count(id) > 0)
      continue;
    // No call of it runs: it closes at once on every worker.
    auto closed = close_session(self, id);
    const auto& entry = closed->entry;
    bool was_lost = entry.state == session_state::lost;
    auto worker = was_lost ? std::string{} : worker_name(self, entry.owner);
    if (wanted<telemetry::session_expired>())
      telemetry::publish(self, telemetry::make_session_expired(
                                 st.cfg.name, id, worker,
                                 now - entry.last_used));
  }
  arm_sweep(self);
}

std::size_t sessions_waiting(pool_ptr self) {
  return self->state.sessions.waiting_count;
}

std::optional<clock_type::time_point> next_session_deadline(pool_ptr self) {
  std::optional<clock_type::time_point> next;
  for (const auto& [id, queue] : self->state.sessions.waiting) {
    auto due = queue.next_deadline();
    if (due && (!next || *due < *next))
      next = due;
  }
  return next;
}

std::vector<queued_request> expire_session_waiters(pool_ptr self,
                                                   clock_type::time_point now) {
  auto& book = self->state.sessions;
  std::vector<queued_request> out;
  for (auto q = book.waiting.begin(); q != book.waiting.end();) {
    for (auto& item : q->second.expire(now))
      out.push_back(std::move(item));
    q = q->second.empty() ? book.waiting.erase(q) : std::next(q);
  }
  book.waiting_count -= out.size();
  return out;
}

void fail_session_waiters(pool_ptr self, const failure& why) {
  auto& book = self->state.sessions;
  for (auto& [id, queue] : book.waiting)
    for (auto& item : queue.drain())
      answer_failure(self, item.promise, item.request.command, why);
  book.waiting.clear();
  book.waiting_count = 0;
}

} // namespace snakepit::detail
