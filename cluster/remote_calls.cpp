// The calls, streams and sessions a remote pool passes on to the pool
// there, each answered once (cluster/remote_pool_state.hpp).

#include "cluster/remote_pool_state.hpp"

#include <snakepit/errors.hpp>
#include <snakepit/telemetry/bus.hpp>

namespace snakepit::remote_detail {

namespace {

time_point now() {
  return std::chrono::steady_clock::now();
}

/// The failure of a call the other host did not answer.
failure unanswered(proxy_ptr self, const caf::error& err) {
  auto& st = self->state;
  if (err == caf::sec::request_timeout)
    return make_failure(error_code::request_timeout,
                        "remote pool " + st.cfg.name + ": no reply from "
                          + node_text(st) + " within reply_timeout");
  return make_failure(error_code::node_down,
                      "remote pool " + st.cfg.name + ": " + node_text(st)
                        + " failed the call: " + self->system().render(err));
}

/// The failure of a request of session `id`, which is lost.
failure session_lost(const proxy_state& st, const std::string& id,
                     const std::string& why) {
  return make_failure(error_code::session_lost,
                      "session " + id + " of remote pool " + st.cfg.name
                        + " is lost: " + why
                        + "; close it (or let it expire) to start it anew");
}

/// Why the current request of `req.session_id` cannot go on, if it
/// cannot; else it counts as a call of its session (`call.session`).
std::optional<failure> enter_session(proxy_ptr self, pending_call& call,
                                     const execute_request& req) {
  auto& st = self->state;
  if (req.session_id.empty())
    return std::nullopt;
  auto route = st.sessions.route(req.session_id);
  if (route.route == session_route::kind::full) {
    // Make room from the idle ones first.
    st.sessions.expire(now());
    route = st.sessions.route(req.session_id);
  }
  if (route.route == session_route::kind::invalid)
    return make_failure(error_code::invalid_arguments, route.reason);
  if (route.route == session_route::kind::lost)
    return session_lost(st, req.session_id, route.reason);
  if (route.route == session_route::kind::full)
    return make_failure(error_code::pool_saturated,
                        "remote pool " + st.cfg.name + " holds "
                          + std::to_string(st.sessions.size())
                          + " sessions (max_sessions)");
  st.sessions.call_started(req.session_id, st.run, now());
  call.session = req.session_id;
  return std::nullopt;
}

/// The call of the current request, answered at once with node_down when
/// the other host is not connected, or with its session's failure (then
/// `answered` is set).
pending_call begin_call(proxy_ptr self, const execute_request& req,
                        bool& answered) {
  pending_call call{self->make_response_promise<execute_reply>(), req.command,
                    std::chrono::steady_clock::now()};
  answered = true;
  if (self->state.link != link_state::up)
    finish(self, call, execute_reply{node_down(self->state)});
  else if (auto refused = enter_session(self, call, req))
    finish(self, call, execute_reply{std::move(*refused)});
  else
    answered = false;
  return call;
}

} // namespace

std::string node_text(const proxy_state& st) {
  return "host " + st.cfg.node + " (pool " + st.cfg.pool + ")";
}

failure node_down(const proxy_state& st) {
  return make_failure(error_code::node_down, "remote pool " + st.cfg.name
                                               + ": " + node_text(st) + " "
                                               + st.problem);
}

pool_snapshot down_snapshot(const proxy_state& st) {
  pool_snapshot s;
  s.name = st.cfg.name;
  s.failed = node_down(st);
  return s;
}

void finish(proxy_ptr self, pending_call& call, execute_reply reply) {
  if (telemetry::has_subscribers(
        telemetry::topic::of<telemetry::request_executed>())) {
    const auto& st = self->state;
    const auto& worker = reply ? reply->worker : reply.error().worker;
    std::chrono::microseconds wait{reply ? reply->queue_us
                                         : reply.error().queue_us};
    telemetry::publish(
      self, telemetry::make_request_executed(
              st.cfg.name, worker, call.command, reply.ok(),
              std::chrono::steady_clock::now() - call.started, wait,
              reply.ok() ? std::string{} : to_string(reply.code()),
              reply.ok() ? static_cast<int64_t>(reply->chunks) : 0,
              reply.ok() ? static_cast<int64_t>(reply->chunk_bytes) : 0,
              st.cfg.node));
  }
  if (!call.session.empty())
    self->state.sessions.call_ended(call.session, now());
  call.answer.deliver(std::move(reply));
}

caf::typed_response_promise<execute_reply>
forward_call(proxy_ptr self, execute_request& req) {
  auto& st = self->state;
  bool answered = false;
  auto call = begin_call(self, req, answered);
  auto rp = call.answer;
  if (answered)
    return rp;
  auto id = st.calls.open(std::move(call));
  req.pool = st.cfg.pool;
  self->request(st.remote, st.cfg.reply_timeout, execute_atom::value,
                std::move(req))
    .then(
      [self, id](execute_reply& reply) {
        if (auto call = self->state.calls.close(id))
          finish(self, *call, std::move(reply));
      },
      [self, id](caf::error& err) {
        if (auto call = self->state.calls.close(id))
          finish(self, *call, execute_reply{unanswered(self, err)});
      });
  return rp;
}

caf::typed_response_promise<execute_reply>
forward_stream(proxy_ptr self, execute_request& req) {
  auto& st = self->state;
  // Before the promise takes the request over (and its sender with it).
  auto caller = caf::actor_cast<caf::actor>(self->current_sender());
  bool answered = false;
  auto call = begin_call(self, req, answered);
  auto rp = call.answer;
  if (answered)
    return rp;
  if (!caller) {
    finish(self, call, execute_reply{no_stream_caller()});
    return rp;
  }
  auto id = st.calls.open(std::move(call));
  req.pool = st.cfg.pool;
  st.streams.open(self, std::move(caller), st.remote, std::move(req), id,
                  caf::duration{st.cfg.reply_timeout});
  return rp;
}

void note_run(proxy_ptr self) {
  auto& st = self->state;
  std::pair<caf::node_id, caf::actor_id> pool{st.remote->node(),
                                              st.remote->id()};
  if (st.last_pool && *st.last_pool != pool) {
    // Those idle past session_ttl would have expired there anyway.
    st.sessions.expire(now());
    st.sessions.holder_gone(
      st.run,
      "the pool at " + node_text(st)
        + " restarted (its host or the pool itself), and the session's "
          "state with it",
      now());
    ++st.run;
  }
  st.last_pool = std::move(pool);
}

caf::result<bool> close_session(proxy_ptr self, const std::string& id) {
  auto& st = self->state;
  if (st.sessions.route(id).route == session_route::kind::lost) {
    // The pool that held it is gone, and its state with it.
    st.sessions.forget(id);
    return true;
  }
  if (st.link != link_state::up)
    return to_caf_error(node_down(st));
  st.sessions.forget(id);
  return self->delegate(st.remote, close_session_atom::value, id);
}

} // namespace snakepit::remote_detail
