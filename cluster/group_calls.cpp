// The calls a pool group passes to its members: which member takes each
// (its session's, or the balancer's pick), one answer per call, streams
// through a relay, and what a member stopping or the group stopping
// answers (cluster/pool_group_state.hpp).

#include "cluster/pool_group_state.hpp"

#include <chrono>

#include <snakepit/errors.hpp>

#include "core/group_snapshot.hpp"

namespace snakepit::detail {

namespace {

time_point now() {
  return std::chrono::steady_clock::now();
}

/// A member picked by the balancer for `rp`, or nullopt after answering
/// why there is none.
std::optional<std::size_t> pick(group_ptr self, reply_promise& rp) {
  auto& st = self->state;
  auto picked = st.balancer.pick();
  if (!picked)
    rp.deliver(
      execute_reply{no_member_takes_requests(st.cfg.name, last_snapshots(st))});
  return picked;
}

/// The member for a request of session `id`, or nullopt after answering
/// why there is none.
std::optional<std::size_t> session_member(group_ptr self, reply_promise& rp,
                                          const std::string& id) {
  auto& st = self->state;
  auto route = st.sessions.route(id);
  auto session = "session " + id + " of " + group_text(st);
  switch (route.route) {
    case session_route::kind::holder:
      st.balancer.sent(route.holder);
      return route.holder;
    case session_route::kind::new_session:
      return pick(self, rp);
    case session_route::kind::lost:
      rp.deliver(execute_reply{make_failure(
        error_code::session_lost,
        session + " is lost: its member " + st.members[route.holder].name
          + " " + route.reason
          + "; close it (or let it expire) to start it anew")});
      return std::nullopt;
    case session_route::kind::invalid:
      rp.deliver(execute_reply{make_failure(error_code::invalid_arguments,
                                            route.reason)});
      return std::nullopt;
    case session_route::kind::full:
      rp.deliver(execute_reply{make_failure(
        error_code::pool_saturated,
        group_text(st) + " holds " + std::to_string(st.sessions.size())
          + " sessions (max_sessions)")});
      return std::nullopt;
  }
  return std::nullopt;
}

/// Answers call `id`, unless it was answered already.
void finish_call(group_ptr self, uint64_t id, execute_reply reply) {
  auto& st = self->state;
  auto call = st.calls.close(id);
  if (!call)
    return;
  st.balancer.answered(call->member);
  if (!call->session.empty())
    st.sessions.call_ended(call->session, now());
  call->rp.deliver(std::move(reply));
}

/// Sends the call or stream to member `i`.
void send_to(group_ptr self, std::size_t i, reply_promise rp,
             execute_request req, caf::actor stream_caller) {
  auto& st = self->state;
  auto& m = st.members[i];
  if (!req.session_id.empty())
    st.sessions.call_started(req.session_id, i, now());
  auto id = st.calls.open(group_call{std::move(rp), i, req.session_id});
  req.pool = m.name;
  if (stream_caller) {
    // Bounded by the member, which ends every stream it opened.
    st.streams.open(self, std::move(stream_caller), m.handle, std::move(req),
                    id, caf::infinite);
    return;
  }
  self->request(m.handle, caf::infinite, execute_atom::value, std::move(req))
    .then(
      [self, id](execute_reply& reply) {
        finish_call(self, id, std::move(reply));
      },
      [self, i, id](caf::error& err) {
        finish_call(self, id, execute_reply{member_failure(self, i, err)});
      });
}

void dispatch(group_ptr self, reply_promise rp, execute_request req,
              caf::actor stream_caller) {
  auto member = req.session_id.empty()
                  ? pick(self, rp)
                  : session_member(self, rp, req.session_id);
  if (member)
    send_to(self, *member, std::move(rp), std::move(req),
            std::move(stream_caller));
}

} // namespace

void accept_call(group_ptr self, reply_promise rp, execute_request req,
                 caf::actor stream_caller) {
  auto& st = self->state;
  if (st.first_round_done)
    dispatch(self, std::move(rp), std::move(req), std::move(stream_caller));
  else
    st.parked.push_back({std::move(rp), std::move(req),
                         std::move(stream_caller)});
}

void release_parked(group_ptr self) {
  auto parked = std::move(self->state.parked);
  self->state.parked.clear();
  for (auto& call : parked)
    dispatch(self, std::move(call.rp), std::move(call.req),
             std::move(call.stream_caller));
}

void stream_ended(group_ptr self, uint64_t id, execute_reply reply) {
  self->state.streams.ended(id);
  finish_call(self, id, std::move(reply));
}

void member_stopped(group_ptr self, std::size_t i, const caf::error& reason) {
  auto& st = self->state;
  auto& m = st.members[i];
  auto why = "stopped (" + self->system().render(reason) + ")";
  auto calls = st.calls.close_if(
    [i](const group_call& call) { return call.member == i; });
  for (auto& [id, call] : calls) {
    st.streams.stop(self, id);
    st.balancer.answered(i);
    call.rp.deliver(execute_reply{make_failure(
      error_code::pool_failed,
      group_text(st) + ": member " + m.name + " " + why
        + " with the call in flight; it may or may not have run")});
  }
  // A pool that stops loses its workers, and the sessions' state with
  // them (a pool restarted knows none of its sessions).
  st.sessions.holder_gone(i, why, now());
  m.handle = nullptr;
  record(self, i, down_snapshot(m.name, make_failure(error_code::pool_failed,
                                                     why)));
}

void stopping(group_ptr self) {
  auto& st = self->state;
  auto f = make_failure(error_code::shutting_down,
                        group_text(st) + " is stopping with its host");
  st.streams.stop_all(self);
  for (auto& call : st.calls.close_all())
    call.rp.deliver(execute_reply{f});
  for (auto& call : st.parked)
    call.rp.deliver(execute_reply{f});
  st.parked.clear();
}

} // namespace snakepit::detail
