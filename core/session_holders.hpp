#pragma once

/// Which holder keeps each session passed on through an actor that is not
/// the pool serving it: plain logic without CAF, unit-tested directly. A
/// holder is a member of a pool group (cluster/pool_group.cpp), or one run
/// of the pool a remote pool reaches (cluster/remote_pool.cpp: a new run
/// once the host or its pool restarted). A session's first request goes
/// to any holder, every later one to the holder of the first. When that
/// holder goes (a member stops, the pool there restarts), its sessions'
/// state went with it: the sessions are lost, and their requests fail with
/// `session_lost` until the session is closed or expires, as in a pool
/// (docs/sessions.md). A session with no request for `ttl` and no call
/// running is forgotten.

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace snakepit {

/// Where a request of a session goes.
struct session_route {
  enum class kind : unsigned char {
    /// To `holder`, which keeps the session.
    holder,
    /// A session not known here: to any holder, which then keeps it.
    new_session,
    /// Its holder went (`reason`): fail with `session_lost`.
    lost,
    /// A new session over `max_sessions`: fail with `pool_saturated`.
    full,
    /// Not a session id (`reason`: too long, not UTF-8): fail with
    /// `invalid_arguments`, nothing remembered.
    invalid,
  };
  kind route = kind::new_session;
  std::size_t holder = 0;
  std::string reason{};
};

/// The sessions passed on by one actor, by id. Every operation is O(1) on
/// average except those that say otherwise.
class session_holders {
public:
  /// Sessions idle for `ttl` are forgotten (`milliseconds::max()`: never);
  /// at most `max_sessions` are kept, lost ones included.
  session_holders(std::chrono::milliseconds ttl, std::size_t max_sessions);

  /// Where the next request of session `id` goes; O(length of `id`) to
  /// check it.
  session_route route(const std::string& id) const;

  /// A call of `id` starts on `holder`: a new session is kept by it.
  void call_started(const std::string& id, std::size_t holder,
                    time_point now);

  /// A call of `id` ended (answered or failed).
  void call_ended(const std::string& id, time_point now);

  /// Holder `holder` went for `reason`: its sessions are lost.
  /// O(sessions).
  void holder_gone(std::size_t holder, const std::string& reason,
                   time_point now);

  /// Forgets session `id` (it was closed; `route` told where it was).
  void forget(const std::string& id);

  /// Forgets the sessions idle for `ttl` at `now`, with no call running;
  /// returns how many. O(sessions).
  std::size_t expire(time_point now);

  /// Sessions kept, lost ones included.
  std::size_t size() const {
    return sessions_.size();
  }

private:
  struct entry {
    std::size_t holder = 0;
    int running = 0;
    /// Its last request's start or end, or when it was lost.
    time_point last_used{};
    bool lost = false;
    std::string lost_reason{};
  };

  std::chrono::milliseconds ttl_;
  std::size_t max_;
  std::unordered_map<std::string, entry> sessions_;
};

} // namespace snakepit
