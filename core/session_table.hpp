#pragma once

/// The sessions of one pool: which worker holds each session's state, and
/// where a request of a session may run. Plain data and decisions, no CAF;
/// the pool actor keeps the requests waiting and talks to the workers.

#include <snakepit/sessions.hpp>

#include "core/clock.hpp"
#include "core/slot_table.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
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
  /// It was closed: each worker that may hold state of it is told to
  /// close it once its calls of it there have ended. Its requests wait;
  /// once every worker has answered, it is gone and its next request opens
  /// a new session.
  closing,
};

/// The calls of a session running on one worker.
struct session_calls {
  worker_key worker = 0;
  int count = 0;
};

/// One session.
struct session_entry {
  worker_key owner = 0;
  session_state state = session_state::active;
  /// Its last request's start or end; when it was lost, for a lost one.
  time_point last_used{};
  /// Its calls running now, on its owner and on other workers (`hint`);
  /// only workers with a call running are listed.
  std::vector<session_calls> running{};
  /// Other workers that served it (`hint`), which may hold state of it.
  std::vector<worker_key> visitors{};
  /// While moving: the worker its state moves to.
  worker_key move_to = 0;
  /// Why it was lost.
  std::string lost_reason{};
  /// While closing: the workers whose close is not done yet (told and
  /// not answered, or waiting for their calls of it to end).
  std::vector<worker_key> close_pending{};

  /// Its calls running on `worker`.
  int running_on(worker_key worker) const;

  /// Its calls running on any worker.
  int running_total() const;
};

/// What a close leaves the pool to do.
struct session_close {
  /// The session as it was when it was closed.
  session_entry entry;
  /// Workers that may hold state of it and run none of its calls: they
  /// close it now. Those running calls of it close it when the calls end
  /// (see `session_table::call_ended`). Each close is done when the worker
  /// answers it (`close_done`).
  std::vector<worker_key> close_now{};
};

/// One step of moving a session's state to a recycled worker's
/// replacement, waiting for a worker's answer: the snapshot from `from`,
/// then the restore on `to`.
struct session_move {
  std::string session;
  worker_key from = 0;
  worker_key to = 0;
  time_point started{};
  /// Set once the snapshot came: the restore is under way.
  bool restoring = false;
  int64_t state_bytes = 0;
};

/// What to do with a request of a session.
enum class session_route : uint8_t {
  /// A new session: any free worker, which becomes its owner.
  any_new,
  /// Any free worker (`hint` and its owner busy).
  any,
  /// Its owner, which has a free slot.
  owner,
  /// Wait until its owner has a free slot, or its move or close is done.
  wait,
  /// Fail with `session_busy` (`strict_fail_fast`).
  busy,
  /// Fail with `session_lost`.
  lost,
};

/// Sessions by id, and the steps of moves under way. Every operation is
/// O(1) on average except those that say otherwise.
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

  /// A call of `id` that ran on `worker` ended. True when `id` is closing
  /// and this was its last call on `worker`: close it there now.
  bool call_ended(const std::string& id, worker_key worker, time_point now);

  /// The session, or null.
  const session_entry* find(const std::string& id) const;

  /// Ids of the sessions `worker` owns (active or moving). O(sessions).
  std::vector<std::string> owned_by(worker_key worker) const;

  /// Ids of the sessions moving to `worker`. O(sessions).
  std::vector<std::string> moving_to(worker_key worker) const;

  /// `worker` is gone: it is no visitor of any session any more, its calls
  /// run no more, and its part of a close is done. O(sessions).
  void forget_worker(worker_key worker);

  /// Session `id` is lost for `reason`; false when unknown or closing. Its
  /// visitors stay listed: their state of it is closed with it.
  bool lose(const std::string& id, std::string reason, time_point now);

  /// Closes session `id`: every worker that may hold state of it (its
  /// owner unless lost, its visitors, the worker it moves to) is to close
  /// it, once its calls of it there have ended. The session routes to
  /// `wait` until every one has answered (`close_done`), and is gone after
  /// (at once when no worker holds it). Nullopt when unknown or closing
  /// already.
  std::optional<session_close> close(const std::string& id);

  /// The close of session `id` on `worker` waits for the answer to
  /// session operation `op`.
  void await_close(uint64_t op, const std::string& id, worker_key worker);

  /// Operation `op`, a close, was answered: true when that was the last
  /// close of its session, which is gone now. False for any other `op`.
  bool close_done(uint64_t op);

  /// Session `id` starts moving to `to`; false when unknown or not active.
  bool begin_move(const std::string& id, worker_key to);

  /// True when `id` is moving and none of its calls runs on its owner:
  /// its state can be taken now.
  bool ready_to_move(const std::string& id) const;

  /// The move of `id` is done: `move_to` is its owner now.
  void finish_move(const std::string& id, time_point now);

  /// Step `move` waits for the answer to session operation `op`.
  void await_move(uint64_t op, session_move move);

  /// The step waiting for operation `op`, taken out; nullopt when none.
  std::optional<session_move> take_move(uint64_t op);

  /// True while a session moves away from `worker`: a session it owns is
  /// moving, or a step of a move from it waits for an answer (even one of
  /// a session closed or lost meanwhile). The worker must not stop yet.
  bool moving_from(worker_key worker) const;

  /// Ids of the sessions idle for `ttl` at `now`, with no call running on
  /// any worker: active ones, and lost ones (since they were lost).
  /// O(sessions).
  std::vector<std::string> idle(time_point now,
                                std::chrono::milliseconds ttl) const;

  /// When the next session may become idle (the oldest `last_used`);
  /// nullopt when there are none. O(sessions).
  std::optional<time_point> oldest_use() const;

  /// Number of sessions, lost and closing ones included.
  std::size_t size() const {
    return sessions_.size();
  }

  /// Number of sessions not closed: active, moving and lost ones.
  std::size_t open() const {
    return sessions_.size() - count(session_state::closing);
  }

  /// Number of sessions in `state`.
  std::size_t count(session_state state) const {
    return counts_[static_cast<std::size_t>(state)];
  }

private:
  using iterator = std::unordered_map<std::string, session_entry>::iterator;

  /// Sets the state of `s`, keeping the counts and the moving index.
  void set_state(session_entry& s, session_state to);

  /// Forgets the session at `i`.
  void drop(iterator i);

  /// Adds `delta` to the moves from `worker`.
  void note_moving(worker_key worker, int delta);

  std::unordered_map<std::string, session_entry> sessions_;
  /// Move steps waiting for an answer, by session operation id.
  std::unordered_map<uint64_t, session_move> moves_;
  /// Closes waiting for an answer, by session operation id.
  std::unordered_map<uint64_t, std::pair<std::string, worker_key>> closes_;
  /// Per worker: its sessions moving plus the move steps from it waiting
  /// for an answer; workers with none are left out.
  std::unordered_map<worker_key, std::size_t> moving_from_;
  /// Sessions per state.
  std::array<std::size_t, 4> counts_{};
};

} // namespace snakepit
