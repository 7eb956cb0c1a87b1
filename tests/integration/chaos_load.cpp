#include "chaos_load.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <thread>

#include <snakepit/requests.hpp>

#include "messages/atoms.hpp"

namespace snakepit::it {

namespace {

/// A caller's watchdog for its request number `seq`: `(watch_atom, seq)`.
using watch_atom = caf::atom_constant<caf::atom("chaos_wd")>;

/// How many problems each caller describes in words.
constexpr size_t max_problems = 5;

struct caller_state {
  snakepit::pool_actor pool;
  /// "c3": the prefix of this caller's tokens.
  std::string label;
  std::shared_ptr<chaos_load::record> record;
  std::shared_ptr<std::atomic<bool>> stopping;
  std::chrono::milliseconds watchdog{0};
  /// Number of the last request sent.
  uint64_t seq = 0;
  /// Token of the request in flight, if any.
  std::optional<std::string> pending;

  static inline const char* name = "chaos.caller";
};

using caller_ptr = caf::stateful_actor<caller_state>*;

void note_problem(load_tally& t, std::string what) {
  if (t.problems.size() < max_problems)
    t.problems.push_back(std::move(what));
}

/// Sends the next request, or quits when asked to finish.
void send_next(caller_ptr self) {
  auto& st = self->state;
  if (st.stopping->load()) {
    std::lock_guard<std::mutex> guard{st.record->mtx};
    st.record->finished = true;
    self->quit();
    return;
  }
  ++st.seq;
  auto token = st.label + "-" + std::to_string(st.seq);
  execute_request req;
  req.command = "echo";
  req.args_json = nlohmann::json{{"token", token}}.dump();
  st.pending = token;
  {
    std::lock_guard<std::mutex> guard{st.record->mtx};
    ++st.record->tally.sent;
    ++st.record->tally.in_flight;
  }
  // A plain send, not a request: a second reply to the same request then
  // reaches this actor instead of being dropped as a stale response.
  self->send(st.pool, execute_atom::value, std::move(req));
  self->delayed_send(self, st.watchdog, watch_atom::value, st.seq);
}

void on_reply(caller_ptr self, const execute_reply& reply) {
  auto& st = self->state;
  {
    std::lock_guard<std::mutex> guard{st.record->mtx};
    auto& t = st.record->tally;
    if (!st.pending) {
      ++t.duplicates;
      note_problem(t, st.label + ": a reply with no request in flight ("
                        + (reply.ok() ? reply->result_json
                                      : to_string(reply.code()))
                        + ")");
      return;
    }
    ++t.answered;
    --t.in_flight;
    if (!reply.ok()) {
      ++t.errors[reply.code()];
    } else {
      auto doc = nlohmann::json::parse(reply->result_json, nullptr, false);
      bool same = doc.is_object() && doc.contains("token")
                  && doc["token"] == *st.pending;
      if (same) {
        ++t.ok;
      } else {
        ++t.mismatched;
        note_problem(t, *st.pending + " answered with " + reply->result_json);
      }
    }
  }
  st.pending.reset();
  send_next(self);
}

void on_watchdog(caller_ptr self, uint64_t seq) {
  auto& st = self->state;
  if (!st.pending || seq != st.seq)
    return;
  std::lock_guard<std::mutex> guard{st.record->mtx};
  ++st.record->tally.late;
  note_problem(st.record->tally,
               *st.pending + " unanswered after "
                 + std::to_string(st.watchdog.count()) + " ms");
}

caf::behavior caller(caller_ptr self, caller_state init) {
  self->state = std::move(init);
  send_next(self);
  return {
    [self](execute_reply& reply) { on_reply(self, reply); },
    [self](watch_atom, uint64_t seq) { on_watchdog(self, seq); },
  };
}

void add(load_tally& sum, const load_tally& t) {
  sum.sent += t.sent;
  sum.answered += t.answered;
  sum.ok += t.ok;
  for (auto& [code, n] : t.errors)
    sum.errors[code] += n;
  sum.mismatched += t.mismatched;
  sum.duplicates += t.duplicates;
  sum.late += t.late;
  sum.in_flight += t.in_flight;
  for (const auto& p : t.problems)
    note_problem(sum, p);
}

} // namespace

chaos_load::chaos_load(caf::actor_system& sys, snakepit::pool_actor pool,
                       int callers, std::chrono::milliseconds watchdog)
  : stopping_(std::make_shared<std::atomic<bool>>(false)) {
  for (int i = 0; i < callers; ++i) {
    auto rec = std::make_shared<record>();
    records_.push_back(rec);
    caller_state init;
    init.pool = pool;
    init.label = "c" + std::to_string(i);
    init.record = rec;
    init.stopping = stopping_;
    init.watchdog = watchdog;
    actors_.push_back(sys.spawn(caller, std::move(init)));
  }
}

chaos_load::~chaos_load() {
  stopping_->store(true);
  // A caller still waiting for a reply would keep the actor system alive.
  for (auto& a : actors_)
    caf::anon_send_exit(a, caf::exit_reason::kill);
}

load_tally chaos_load::tally() const {
  load_tally sum;
  for (const auto& rec : records_) {
    std::lock_guard<std::mutex> guard{rec->mtx};
    add(sum, rec->tally);
  }
  return sum;
}

bool chaos_load::finish(std::chrono::milliseconds timeout) {
  stopping_->store(true);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool all = true;
    for (const auto& rec : records_) {
      std::lock_guard<std::mutex> guard{rec->mtx};
      all = all && rec->finished;
    }
    if (all)
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

} // namespace snakepit::it
