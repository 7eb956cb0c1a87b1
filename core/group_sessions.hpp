#pragma once

/// Which member of a pool group holds each session the group routed
/// (docs/distribution.md, "Sessions through a group"): plain logic without
/// CAF, driven by the group actor (cluster/pool_group.cpp). A session's
/// first request goes to the member the balancer picks; every later one to
/// that member, which keeps its state. When that member stops (a pool
/// restarting loses its workers and their state), the group's sessions on
/// it are lost: their requests fail with `session_lost` until the session
/// is closed or expires, as in a pool. A session with no request for `ttl`
/// and no call running is forgotten.

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace snakepit {

/// Where a request of a session goes.
struct group_session_route {
  enum class kind : unsigned char {
    /// To `member`, which holds the session.
    member,
    /// A session the group does not know: to the member the balancer picks.
    new_session,
    /// Its member stopped (`reason`): fail with `session_lost`.
    lost,
    /// A new session over `max_sessions`: fail with `pool_saturated`.
    full,
  };
  kind route = kind::new_session;
  std::size_t member = 0;
  std::string reason{};
};

/// The sessions of one group by id. Every operation is O(1) on average
/// except those that say otherwise.
class group_sessions {
public:
  /// Sessions idle for `ttl` are forgotten (`milliseconds::max()`: never);
  /// at most `max_sessions` are held, lost ones included.
  group_sessions(std::chrono::milliseconds ttl, std::size_t max_sessions);

  /// Where the next request of session `id` goes.
  group_session_route route(const std::string& id) const;

  /// A call of `id` starts on `member`: a new session is bound to it.
  void call_started(const std::string& id, std::size_t member,
                    time_point now);

  /// A call of `id` ended (answered or failed).
  void call_ended(const std::string& id, time_point now);

  /// Member `member` stopped for `reason`: its sessions are lost.
  /// O(sessions).
  void member_stopped(std::size_t member, const std::string& reason,
                      time_point now);

  /// Forgets session `id` (it was closed; `route` told where it was).
  void forget(const std::string& id);

  /// Forgets the sessions idle for `ttl` at `now`, with no call running;
  /// returns how many. O(sessions).
  std::size_t expire(time_point now);

  /// Sessions held, lost ones included.
  std::size_t size() const {
    return sessions_.size();
  }

private:
  struct entry {
    std::size_t member = 0;
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
