#include "cluster/pool_group.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include <snakepit/errors.hpp>
#include <snakepit/result.hpp>

#include "cluster/pool_group_state.hpp"
#include "core/group_answers.hpp"
#include "core/group_snapshot.hpp"

namespace snakepit {

namespace detail {

std::string group_text(const group_state& st) {
  return "pool group " + st.cfg.name;
}

pool_snapshot down_snapshot(const std::string& member, failure why) {
  pool_snapshot s;
  s.name = member;
  s.failed = std::move(why);
  return s;
}

failure member_failure(group_ptr self, std::size_t i, const caf::error& err) {
  const auto& st = self->state;
  auto who = group_text(st) + ": member " + st.members[i].name;
  if (err == caf::sec::request_timeout)
    return make_failure(error_code::pool_failed,
                        who + " did not answer in time");
  if (err.category() == error_category) {
    auto f = from_caf_error(err);
    f.message = who + ": " + f.message;
    return f;
  }
  return make_failure(error_code::pool_failed,
                      who + " failed the request: "
                        + self->system().render(err));
}

void record(group_ptr self, std::size_t i, pool_snapshot s) {
  auto& st = self->state;
  auto& m = st.members[i];
  s.name = m.name;
  if (m.handle)
    st.balancer.report(i, s);
  else
    st.balancer.report_down(i);
  m.last = std::move(s);
}

std::vector<pool_snapshot> last_snapshots(const group_state& st) {
  std::vector<pool_snapshot> out;
  for (const auto& m : st.members)
    out.push_back(m.last);
  return out;
}

} // namespace detail

namespace {

using namespace detail;

/// How long a member may take to answer a lookup, status, inspect or an
/// admin request.
caf::duration answer_bound(const pool_group_config& cfg) {
  return caf::duration{
    std::max<std::chrono::milliseconds>(cfg.status_interval,
                                        std::chrono::seconds{1})};
}

/// The supervisor answered `found` for member `i`. A member keeps its
/// handle until that one stops (its DOWN message fails the calls sent to
/// it), so that each call is answered by the handle it went to.
void adopt(group_ptr self, std::size_t i, pool_actor found) {
  auto& m = self->state.members[i];
  if (m.handle || !found)
    return;
  m.handle = std::move(found);
  self->monitor(m.handle);
}

/// Finds every member again and asks each `atom` (status, inspect or
/// await_ready) within `bound`, recording each snapshot; then `done()`.
template <class Atom, class Done>
void collect(group_ptr self, Atom atom, caf::duration bound, Done done) {
  auto& st = self->state;
  auto left = std::make_shared<std::size_t>(st.members.size());
  auto finish_one = [left, done]() mutable {
    if (--*left == 0)
      done();
  };
  for (std::size_t i = 0; i < st.members.size(); ++i) {
    auto failed = [self, i, finish_one](caf::error& err) mutable {
      record(self, i, down_snapshot(self->state.members[i].name,
                                    member_failure(self, i, err)));
      finish_one();
    };
    self
      ->request(st.root, answer_bound(st.cfg), lookup_atom::value,
                st.members[i].name)
      .then(
        [self, i, atom, bound, finish_one, failed](pool_actor& found) mutable {
          adopt(self, i, std::move(found));
          auto& m = self->state.members[i];
          if (!m.handle) {
            record(self, i, down_snapshot(m.name, make_failure(
                                                    error_code::pool_failed,
                                                    "is restarting")));
            finish_one();
            return;
          }
          self->request(m.handle, bound, atom)
            .then(
              [self, i, finish_one](pool_snapshot& s) mutable {
                record(self, i, std::move(s));
                finish_one();
              },
              failed);
        },
        failed);
  }
}

/// Every `status_interval`: the members' load and health, unless the last
/// round is still asking.
void status_round(group_ptr self) {
  auto& st = self->state;
  if (st.round_open)
    return;
  st.round_open = true;
  collect(self, status_atom::value, answer_bound(st.cfg), [self] {
    auto& st = self->state;
    st.round_open = false;
    if (st.first_round_done)
      return;
    st.first_round_done = true;
    release_parked(self);
  });
}

/// Sends `xs...` to every member found and answers `combine` of their
/// results (a member not found counts as its last failure).
template <class T, class Combine, class... Ts>
caf::typed_response_promise<T> ask_every_member(group_ptr self,
                                                Combine combine, Ts... xs) {
  auto rp = self->make_response_promise<T>();
  auto& st = self->state;
  auto results = std::make_shared<std::vector<result<T>>>();
  for (const auto& m : st.members)
    results->emplace_back(m.last.failed);
  auto left = std::make_shared<std::size_t>(st.members.size());
  auto finish_one = [rp, results, left, combine]() mutable {
    if (--*left > 0)
      return;
    auto combined = combine(*results);
    if (combined)
      rp.deliver(std::move(*combined));
    else
      rp.deliver(to_caf_error(combined.error()));
  };
  for (std::size_t i = 0; i < st.members.size(); ++i) {
    if (!st.members[i].handle) {
      finish_one();
      continue;
    }
    self->request(st.members[i].handle, answer_bound(st.cfg), xs...)
      .then(
        [results, i, finish_one](T& value) mutable {
          (*results)[i] = std::move(value);
          finish_one();
        },
        [self, results, i, finish_one](caf::error& err) mutable {
          (*results)[i] = member_failure(self, i, err);
          finish_one();
        });
  }
  return rp;
}

/// Recycles worker `worker` on the member whose last snapshot has it.
caf::result<recycle_ack> recycle_one(group_ptr self, recycle_atom atom,
                                     const std::string& worker) {
  auto& st = self->state;
  std::string names;
  for (auto& m : st.members) {
    auto has = [&worker](const std::vector<worker_snapshot>& ws) {
      return std::any_of(ws.begin(), ws.end(), [&worker](const auto& w) {
        return w.id == worker;
      });
    };
    if (m.handle && (has(m.last.workers) || has(m.last.spares)))
      return self->delegate(m.handle, atom, worker);
    names += (names.empty() ? "" : ", ") + m.name;
  }
  return to_caf_error(make_failure(
    error_code::invalid_arguments,
    group_text(st) + ": no member running has a worker " + worker
      + " (members: " + names + ")"));
}

group_actor::behavior_type group_behavior(group_ptr self, host_actor root,
                                          pool_group_config cfg) {
  auto& st = self->state;
  st.root = std::move(root);
  st.balancer = group_balancer{cfg.strategy, cfg.members.size()};
  st.sessions = session_holders{cfg.session_ttl,
                               static_cast<std::size_t>(cfg.max_sessions)};
  for (const auto& name : cfg.members) {
    member_link m;
    m.name = name;
    m.last = down_snapshot(name, make_failure(error_code::pool_failed,
                                              "not found yet"));
    st.members.push_back(std::move(m));
  }
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& down) {
    auto& members = self->state.members;
    for (std::size_t i = 0; i < members.size(); ++i)
      if (members[i].handle && members[i].handle.address() == down.source)
        member_stopped(self, i, down.reason);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    stopping(self);
    self->quit(msg.reason);
  });
  status_round(self);
  self->delayed_send(self, st.cfg.status_interval, status_tick_atom::value);
  auto snapshot_of = [self](auto atom, caf::duration bound) {
    auto rp = self->make_response_promise<pool_snapshot>();
    collect(self, atom, bound, [self, rp]() mutable {
      auto& st = self->state;
      rp.deliver(aggregate_group(st.cfg.name, last_snapshots(st)));
    });
    return rp;
  };
  return {
    [self](execute_atom, execute_request& req) {
      auto rp = self->make_response_promise<execute_reply>();
      accept_call(self, rp, std::move(req), caf::actor{});
      return rp;
    },
    [self](execute_stream_atom, execute_request& req) {
      // Before the promise takes the request over (and its sender with it).
      auto caller = caf::actor_cast<caf::actor>(self->current_sender());
      auto rp = self->make_response_promise<execute_reply>();
      if (caller)
        accept_call(self, rp, std::move(req), std::move(caller));
      else
        rp.deliver(execute_reply{no_stream_caller()});
      return rp;
    },
    [self](stream_ack_atom, uint64_t call, uint32_t n) {
      self->state.streams.ack(self, call, n);
    },
    [self](stream_cancel_atom, uint64_t call) {
      self->state.streams.cancel(self, call);
    },
    [self](stream_ended_atom, uint64_t call, execute_reply& reply) {
      stream_ended(self, call, std::move(reply));
    },
    [self, snapshot_of](status_atom atom) {
      return snapshot_of(atom, answer_bound(self->state.cfg));
    },
    [self, snapshot_of](inspect_atom atom) {
      return snapshot_of(atom, answer_bound(self->state.cfg));
    },
    // Bounded by the members' own start-up (a pool answers at once once
    // it failed, a remote pool once its first attempt to connect ended).
    [snapshot_of](await_ready_atom atom) {
      return snapshot_of(atom, caf::infinite);
    },
    [self](recycle_atom atom, const std::string& worker)
      -> caf::result<recycle_ack> {
      if (!worker.empty())
        return recycle_one(self, atom, worker);
      return ask_every_member<recycle_ack>(self, combine_recycles, atom,
                                           worker);
    },
    [self](restart_atom atom) {
      return ask_every_member<restart_ack>(self, combine_restarts, atom);
    },
    [self](close_session_atom atom, const std::string& id)
      -> caf::result<bool> {
      auto& st = self->state;
      auto route = st.sessions.route(id);
      switch (route.route) {
        case session_route::kind::holder:
          st.sessions.forget(id);
          return self->delegate(st.members[route.holder].handle, atom, id);
        case session_route::kind::lost:
          // Its member stopped and holds nothing of it any more.
          st.sessions.forget(id);
          return true;
        default:
          // Not routed through the group: wherever a member holds it.
          return ask_every_member<bool>(self, combine_closes, atom, id);
      }
    },
    [self](status_tick_atom) {
      self->state.sessions.expire(std::chrono::steady_clock::now());
      status_round(self);
      self->delayed_send(self, self->state.cfg.status_interval,
                         status_tick_atom::value);
    },
  };
}

} // namespace

pool_actor spawn_pool_group(caf::local_actor* parent,
                            pool_group_config group) {
  auto root = caf::actor_cast<host_actor>(parent);
  return caf::actor_cast<pool_actor>(
    parent->spawn<caf::linked>(group_behavior, std::move(root),
                               std::move(group)));
}

} // namespace snakepit
