#pragma once

/// The sessions of one pool: which worker holds each session's state, and
/// where a request of a session may run. Plain data and decisions, no CAF;
/// the pool actor keeps the requests waiting and talks to the workers.

#include <snakepit/sessions.hpp>

#include "core/clock.hpp"
#include "core/slot_table.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace snakepit {

/// Where a session stands.
enum class session_state : uint8_t {
  /// Its worker (the owner) holds its state and serves it.
  active,
  /// Its state is being moved from its owner to a replacement; its
  /// requests wait.
  moving,
  /// Its worker went and its state with it: its requests fail with
  /// `session_lost` until the session is closed or expires.
  lost,
};

/// One session.
struct session_entry {
  worker_key owner = 0;
  session_state state = session_state::active;
  /// Its last request's start or end; when it was lost, for a lost one.
  time_point last_used{};
  /// Its calls running on its owner now.
  int running = 0;
  /// Other workers that served it (`hint`), which may hold state of it.
  std::vector<worker_key> visitors;
  /// While moving: the worker its state moves to.
  worker_key move_to = 0;
  /// Why it was lost.
  std::string lost_reason;
};

/// What to do with a request of a session.
enum class session_route : uint8_t {
  /// A new session: any free worker, which becomes its owner.
  any_new,
  /// Any free worker (`hint` and its owner busy).
  any,
  /// Its owner, which has a free slot.
  owner,
  /// Wait until its owner has a free slot, or its move is done.
  wait,
  /// Fail with `session_busy` (`strict_fail_fast`).
  busy,
  /// Fail with `session_lost`.
  lost,
};

/// Sessions by id. Every operation is O(1) on average except those that
/// say otherwise.
class session_table {
public:
  /// Where a request of session `id` in mode `mode` (not `pool_default`)
  /// goes, given the free slots in `slots`.
  session_route route(const std::string& id, affinity_mode mode,
                      const slot_table& slots) const;

  /// A call of `id` starts on `worker`: a new session gets `worker` as its
  /// owner (then true is returned); a call on another worker than the
  /// owner makes that worker a visitor.
  bool call_started(const std::string& id, worker_key worker, time_point now);

  /// A call of `id` that ran on `worker` ended.
  void call_ended(const std::string& id, worker_key worker, time_point now);

  /// The session, or null.
  const session_entry* find(const std::string& id) const;

  /// Ids of the sessions `worker` owns (active or moving). O(sessions).
  std::vector<std::string> owned_by(worker_key worker) const;

  /// Ids of the sessions moving to `worker`. O(sessions).
  std::vector<std::string> moving_to(worker_key worker) const;

  /// `worker` is gone: it is no visitor of any session any more.
  /// O(sessions).
  void forget_visitor(worker_key worker);

  /// Session `id` is lost for `reason`; false when unknown. Its visitors
  /// stay listed: their state of it is closed with it.
  bool lose(const std::string& id, std::string reason, time_point now);

  /// Session `id` starts moving to `to`; false when unknown or not active.
  bool begin_move(const std::string& id, worker_key to);

  /// True when `id` is moving and none of its calls runs on its owner:
  /// its state can be taken now.
  bool ready_to_move(const std::string& id) const;

  /// The move of `id` is done: `move_to` is its owner now.
  void finish_move(const std::string& id, time_point now);

  /// Forgets session `id`; its entry, or nullopt when unknown.
  std::optional<session_entry> erase(const std::string& id);

  /// Ids of the sessions idle for `ttl` at `now`: active ones with no call
  /// running, and lost ones (since they were lost). O(sessions).
  std::vector<std::string> idle(time_point now,
                                std::chrono::milliseconds ttl) const;

  /// When the next session may become idle (the oldest `last_used`);
  /// nullopt when there are none. O(sessions).
  std::optional<time_point> oldest_use() const;

  /// Number of sessions, lost ones included.
  std::size_t size() const {
    return sessions_.size();
  }

  /// Number of sessions in `state`. O(sessions).
  std::size_t count(session_state state) const;

private:
  std::unordered_map<std::string, session_entry> sessions_;
};

} // namespace snakepit
