#include "cluster/pool_group.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <memory>
#include <vector>

#include <snakepit/errors.hpp>
#include <snakepit/result.hpp>

#include "core/call_ledger.hpp"
#include "core/group_answers.hpp"
#include "core/group_balancer.hpp"
#include "core/group_snapshot.hpp"

namespace snakepit {

namespace {

using status_tick_atom = caf::atom_constant<caf::atom("sp_gtick")>;

using group_actor = pool_actor::extend<caf::reacts_to<status_tick_atom>>;

using reply_promise = caf::typed_response_promise<execute_reply>;

/// One member as the group knows it.
struct member_link {
  std::string name;
  /// Invalid until found, and again once it stopped (a DOWN message).
  pool_actor handle;
  /// Its last snapshot, or one whose `failed` says why it is down.
  pool_snapshot last;
  /// The group's calls in flight to `handle`.
  call_ledger<reply_promise> calls;
};

/// A call that came before the first status round ended.
struct parked_call {
  reply_promise rp;
  execute_request req;
};

struct group_state {
  pool_group_config cfg;
  host_actor root;
  std::vector<member_link> members;
  group_balancer balancer{group_strategy::least_loaded, 0};
  /// A status round is asking the members.
  bool round_open = false;
  /// The first status round has ended: calls are no longer parked.
  bool first_round_done = false;
  std::vector<parked_call> parked;

  static inline const char* name = "snakepit.pool_group";
};

using group_ptr = group_actor::stateful_pointer<group_state>;

/// How long a member may take to answer a lookup, status, inspect or an
/// admin request.
caf::duration answer_bound(const pool_group_config& cfg) {
  return caf::duration{
    std::max<std::chrono::milliseconds>(cfg.status_interval,
                                        std::chrono::seconds{1})};
}

std::string group_text(const group_state& st) {
  return "pool group " + st.cfg.name;
}

pool_snapshot down_snapshot(const std::string& member, failure why) {
  pool_snapshot s;
  s.name = member;
  s.failed = std::move(why);
  return s;
}

/// What the group answers for member `i` when a request to it failed.
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

std::vector<pool_snapshot> last_snapshots(const group_state& st) {
  std::vector<pool_snapshot> out;
  for (const auto& m : st.members)
    out.push_back(m.last);
  return out;
}

/// Member `i` answered `s` (or is down, saying why in `s.failed`).
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

void dispatch(group_ptr self, reply_promise rp, execute_request req);

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
    auto parked = std::move(st.parked);
    st.parked.clear();
    for (auto& call : parked)
      dispatch(self, std::move(call.rp), std::move(call.req));
  });
}

/// Answers call `id` to member `i`, unless it was answered already.
void finish_call(group_ptr self, std::size_t i, uint64_t id,
                 execute_reply reply) {
  auto& st = self->state;
  if (auto rp = st.members[i].calls.close(id)) {
    st.balancer.answered(i);
    rp->deliver(std::move(reply));
  }
}

void dispatch(group_ptr self, reply_promise rp, execute_request req) {
  auto& st = self->state;
  if (!req.session_id.empty()) {
    rp.deliver(execute_reply{make_failure(
      error_code::invalid_arguments,
      group_text(st) + ": sessions are not served through pool groups (a "
                       "session's requests must reach one worker); call a "
                       "member by name")});
    return;
  }
  auto picked = st.balancer.pick();
  if (!picked) {
    rp.deliver(
      execute_reply{no_member_takes_requests(st.cfg.name, last_snapshots(st))});
    return;
  }
  auto i = *picked;
  auto& m = st.members[i];
  auto id = m.calls.open(std::move(rp));
  req.pool = m.name;
  self->request(m.handle, caf::infinite, execute_atom::value, std::move(req))
    .then(
      [self, i, id](execute_reply& reply) {
        finish_call(self, i, id, std::move(reply));
      },
      [self, i, id](caf::error& err) {
        finish_call(self, i, id, execute_reply{member_failure(self, i, err)});
      });
}

/// Member `i` stopped: its calls in flight fail now, and it is down until
/// found again.
void member_stopped(group_ptr self, std::size_t i, const caf::error& reason) {
  auto& st = self->state;
  auto& m = st.members[i];
  auto why = "stopped (" + self->system().render(reason) + ")";
  for (auto& rp : m.calls.close_all()) {
    st.balancer.answered(i);
    rp.deliver(execute_reply{make_failure(
      error_code::pool_failed,
      group_text(st) + ": member " + m.name + " " + why
        + " with the call in flight; it may or may not have run")});
  }
  m.handle = nullptr;
  record(self, i, down_snapshot(m.name, make_failure(error_code::pool_failed,
                                                     why)));
}

/// The group is stopping: everything waiting gets shutting_down.
void stopping(group_ptr self) {
  auto& st = self->state;
  auto f = make_failure(error_code::shutting_down,
                        group_text(st) + " is stopping with its host");
  for (auto& m : st.members)
    for (auto& rp : m.calls.close_all())
      rp.deliver(execute_reply{f});
  for (auto& call : st.parked)
    call.rp.deliver(execute_reply{f});
  st.parked.clear();
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
      if (self->state.first_round_done)
        dispatch(self, rp, std::move(req));
      else
        self->state.parked.push_back({rp, std::move(req)});
      return rp;
    },
    [self](execute_stream_atom, const execute_request&) -> execute_reply {
      return execute_reply{make_failure(
        error_code::invalid_arguments,
        group_text(self->state)
          + ": streams are not served through pool groups; call a member "
            "by name, or execute")};
    },
    [](stream_ack_atom, uint64_t, uint32_t) {},
    [](stream_cancel_atom, uint64_t) {},
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
    [self](close_session_atom atom, const std::string& id) {
      return ask_every_member<bool>(self, combine_closes, atom, id);
    },
    [self](status_tick_atom) {
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
