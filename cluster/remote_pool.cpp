#include "cluster/remote_pool.hpp"

#include <caf/io/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

#include <snakepit/errors.hpp>
#include <snakepit/telemetry/bus.hpp>

#include "cluster/remote_pool_state.hpp"
#include "cluster/tls_front.hpp"
#include "core/config_checker.hpp"

namespace snakepit {

namespace {

using namespace remote_detail;

void answer_awaiting(proxy_ptr self);
void connect(proxy_ptr self);

void schedule_reconnect(proxy_ptr self) {
  auto& st = self->state;
  auto delay = st.backoff.next_delay().value_or(st.cfg.reconnect_backoff_max);
  self->delayed_send(self, delay, reconnect_atom::value);
}

/// The attempt `attempt` failed because of `why`.
void attempt_failed(proxy_ptr self, uint64_t attempt, std::string why) {
  auto& st = self->state;
  if (attempt != st.attempt || st.link == link_state::up)
    return;
  if (st.problem != why || st.backoff.attempts() == 0)
    spdlog::warn("remote pool {}: cannot reach {}: {}", st.cfg.name,
                 node_text(st), why);
  st.problem = std::move(why);
  st.link = link_state::down;
  answer_awaiting(self);
  schedule_reconnect(self);
}

void went_up(proxy_ptr self, node_actor node, pool_actor remote) {
  auto& st = self->state;
  st.node = std::move(node);
  st.remote = std::move(remote);
  st.link = link_state::up;
  st.backoff.reset();
  st.problem = "is connected";
  self->monitor(st.node);
  self->monitor(st.remote);
  note_run(self);
  for (auto& [addr, sub] : st.subscribers)
    self->send(st.node, subscribe_remote_atom::value, sub.first, sub.second);
  spdlog::info("remote pool {}: connected to {}", st.cfg.name, node_text(st));
  answer_awaiting(self);
}

/// The connection is gone: every call in flight gets node_down now.
void lost(proxy_ptr self, std::string why) {
  auto& st = self->state;
  if (st.link != link_state::up)
    return;
  st.dead = st.node.node();
  st.node = nullptr;
  st.remote = nullptr;
  st.link = link_state::down;
  st.problem = std::move(why);
  ++st.attempt;
  st.streams.stop_all(self);
  auto calls = st.calls.close_all();
  spdlog::warn("remote pool {}: {} {}; {} call(s) in flight fail with "
               "node_down",
               st.cfg.name, node_text(st), st.problem, calls.size());
  for (auto& call : calls)
    finish(self, call, execute_reply{node_down(st)});
  schedule_reconnect(self);
}

/// Why connecting failed: CAF's error, and through TLS what the front saw.
std::string connect_problem(proxy_ptr self, const caf::error& err) {
  auto& st = self->state;
  auto text = self->system().render(err);
  if (st.route.tls_problem)
    if (auto tls = st.route.tls_problem(); !tls.empty())
      text += " (mutual TLS: " + tls + ")";
  return text;
}

/// Hello, then lookup, on a connected gateway.
void greet(proxy_ptr self, uint64_t attempt, node_actor node) {
  auto& st = self->state;
  self->request(node, st.cfg.connect_timeout, hello_atom::value,
                cluster_protocol)
    .then(
      [self, attempt, node](uint32_t protocol) {
        auto& st = self->state;
        if (auto problem = protocol_problem(protocol); !problem.empty()) {
          attempt_failed(self, attempt, std::move(problem));
          return;
        }
        self->request(node, st.cfg.connect_timeout, lookup_atom::value,
                      st.cfg.pool)
          .then(
            [self, attempt, node](pool_actor& remote) {
              if (attempt != self->state.attempt)
                return;
              if (!remote) {
                attempt_failed(self, attempt, "has no running pool there");
                return;
              }
              went_up(self, node, std::move(remote));
            },
            [self, attempt](caf::error& err) {
              attempt_failed(self, attempt,
                             "did not find the pool: "
                               + from_caf_error(err).message);
            });
      },
      [self, attempt](caf::error& err) {
        attempt_failed(self, attempt,
                       "did not answer hello: " + connect_problem(self, err));
      });
}

void connect(proxy_ptr self) {
  auto& st = self->state;
  st.link = link_state::connecting;
  auto attempt = ++st.attempt;
  if (!st.route.unusable.empty()) {
    attempt_failed(self, attempt, st.route.unusable);
    return;
  }
  if (!self->system().has_middleman()) {
    // An actor system built without `bootstrap`, which loads it.
    attempt_failed(self, attempt,
                   "cannot be reached: this actor system has no middleman "
                   "(build it with snakepit::bootstrap, or load "
                   "caf::io::middleman into its config)");
    return;
  }
  auto mm = self->system().middleman().actor_handle();
  auto expected = self->system().message_types<node_actor>();
  self
    ->request(mm, st.cfg.connect_timeout, caf::connect_atom::value,
              st.route.host, st.route.port)
    .then(
      [self, attempt, expected](const caf::node_id& nid,
                                caf::strong_actor_ptr& ptr,
                                const std::set<std::string>& ifs) {
        auto& st = self->state;
        if (attempt != st.attempt)
          return;
        if (!ptr) {
          attempt_failed(self, attempt, "publishes no Snakepit host");
          return;
        }
        if (nid == st.dead) {
          // Right after a loss the middleman may hand out its cached entry
          // of the host just lost: refused once. The same node again is
          // the same process back (a frozen host thawed): taken.
          st.dead = caf::node_id{};
          attempt_failed(self, attempt,
                         "went away; its old connection is still closing");
          return;
        }
        if (!std::includes(ifs.begin(), ifs.end(), expected.begin(),
                           expected.end())) {
          attempt_failed(self, attempt,
                         "is not a Snakepit host of this version");
          return;
        }
        greet(self, attempt, caf::actor_cast<node_actor>(std::move(ptr)));
      },
      [self, attempt](caf::error& err) {
        attempt_failed(self, attempt, connect_problem(self, err));
      });
}

void answer_awaiting(proxy_ptr self) {
  auto& st = self->state;
  auto waiting = std::move(st.awaiting);
  st.awaiting.clear();
  for (auto& rp : waiting) {
    if (st.link != link_state::up) {
      rp.deliver(down_snapshot(st));
      continue;
    }
    self->request(st.remote, st.cfg.reply_timeout, await_ready_atom::value)
      .then([self, rp](pool_snapshot& s) mutable {
              s.name = self->state.cfg.name;
              rp.deliver(std::move(s));
            },
            [self, rp](caf::error&) mutable {
              rp.deliver(down_snapshot(self->state));
            });
  }
}

/// Forwards a status or inspect request; a host not connected (or not
/// answering within connect_timeout) gives a snapshot that says so.
template <class Atom>
caf::typed_response_promise<pool_snapshot> forward_snapshot(proxy_ptr self,
                                                            Atom atom) {
  auto rp = self->make_response_promise<pool_snapshot>();
  auto& st = self->state;
  if (st.link != link_state::up) {
    rp.deliver(down_snapshot(st));
    return rp;
  }
  self->request(st.remote, st.cfg.connect_timeout, atom)
    .then([self, rp](pool_snapshot& s) mutable {
            s.name = self->state.cfg.name;
            rp.deliver(std::move(s));
          },
          [self, rp](caf::error&) mutable {
            rp.deliver(down_snapshot(self->state));
          });
  return rp;
}

proxy_actor::behavior_type proxy(proxy_ptr self, remote_pool_config cfg,
                                 remote_route route) {
  auto& st = self->state;
  st.backoff = recovery_backoff{cfg.reconnect_backoff,
                                cfg.reconnect_backoff_max};
  st.sessions = session_holders{cfg.session_ttl,
                                static_cast<std::size_t>(cfg.max_sessions)};
  st.route = std::move(route);
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& down) {
    auto& st = self->state;
    // A subscriber that quit: the other host's gateway sees it go too.
    if (st.subscribers.erase(down.source) > 0)
      return;
    if (down.source == st.node.address())
      lost(self, "went away (" + self->system().render(down.reason) + ")");
    else if (down.source == st.remote.address())
      lost(self, "stopped its pool ("
                   + self->system().render(down.reason) + ")");
  });
  // Stopped with the host: calls in flight get shutting_down, like a
  // pool's, rather than a broken promise.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    auto stopping = make_failure(error_code::shutting_down,
                                 "remote pool " + st.cfg.name
                                   + " is stopping with its host");
    st.streams.stop_all(self);
    for (auto& call : st.calls.close_all())
      finish(self, call, execute_reply{stopping});
    for (auto& rp : st.awaiting) {
      pool_snapshot s;
      s.name = st.cfg.name;
      s.failed = stopping;
      rp.deliver(std::move(s));
    }
    st.awaiting.clear();
    self->quit(msg.reason);
  });
  connect(self);
  return {
    [self](execute_atom, execute_request& req) {
      return forward_call(self, req);
    },
    [self](execute_stream_atom, execute_request& req) {
      return forward_stream(self, req);
    },
    [self](stream_ack_atom, uint64_t call, uint32_t n) {
      self->state.streams.ack(self, call, n);
    },
    [self](stream_cancel_atom, uint64_t call) {
      self->state.streams.cancel(self, call);
    },
    [self](stream_ended_atom, uint64_t call, execute_reply& reply) {
      self->state.streams.ended(call);
      if (auto pending = self->state.calls.close(call))
        finish(self, *pending, std::move(reply));
    },
    [self](status_atom atom) { return forward_snapshot(self, atom); },
    [self](inspect_atom atom) { return forward_snapshot(self, atom); },
    [self](await_ready_atom) {
      auto rp = self->make_response_promise<pool_snapshot>();
      self->state.awaiting.push_back(rp);
      if (self->state.link != link_state::connecting)
        answer_awaiting(self);
      return rp;
    },
    [self](recycle_atom atom, const std::string& worker)
      -> caf::result<recycle_ack> {
      if (self->state.link != link_state::up)
        return to_caf_error(node_down(self->state));
      return self->delegate(self->state.remote, atom, worker);
    },
    [self](restart_atom atom) -> caf::result<restart_ack> {
      if (self->state.link != link_state::up)
        return to_caf_error(node_down(self->state));
      return self->delegate(self->state.remote, atom);
    },
    [self](close_session_atom, const std::string& id) {
      return close_session(self, id);
    },
    [self](reconnect_atom) {
      if (self->state.link == link_state::down)
        connect(self);
    },
    [self](subscribe_remote_atom atom, caf::actor& who, uint16_t bits) {
      auto& st = self->state;
      if (!who)
        return;
      if (st.subscribers.emplace(who.address(), std::make_pair(who, bits))
            .second)
        self->monitor(who);
      else
        st.subscribers[who.address()].second = bits;
      if (st.link == link_state::up)
        self->send(st.node, atom, who, bits);
    },
  };
}

} // namespace

remote_route route_to(const remote_pool_config& remote,
                      const cluster_config& cluster,
                      const std::shared_ptr<tls_front>& front) {
  remote_route route;
  auto parsed = parse_endpoint(remote.node);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    route.unusable = "cannot be reached: node: " + *problem;
    return route;
  }
  auto node = std::get<endpoint>(parsed);
  route.host = "127.0.0.1";
  if (!remote_uses_tls(remote, cluster)) {
    if (node.host != "localhost")
      route.host = node.host;
    route.port = static_cast<uint16_t>(node.port);
    return route;
  }
  if (!front) {
    route.unusable = "cannot be reached: it needs mutual TLS, and this "
                     "host's runtime has no [cluster.tls]";
    return route;
  }
  auto port = front->dial(node);
  if (auto* problem = std::get_if<std::string>(&port)) {
    route.unusable = "cannot be reached: " + *problem;
    return route;
  }
  route.port = std::get<uint16_t>(port);
  route.tls_problem = [front, node] { return front->last_problem(node); };
  return route;
}

pool_actor spawn_remote_pool(caf::local_actor* parent,
                             remote_pool_config remote, remote_route route) {
  return caf::actor_cast<pool_actor>(
    parent->spawn<caf::linked>(proxy, std::move(remote), std::move(route)));
}

void telemetry::subscribe_remote(const pool_actor& remote_pool,
                                 const caf::actor& who, topic t) {
  caf::anon_send(caf::actor_cast<caf::actor>(remote_pool),
                 subscribe_remote_atom::value, who, t.bits());
}

} // namespace snakepit
