#pragma once

/// A small blocking client for code outside actors (main functions, tests,
/// CLI tools). Thread-safe: each call uses its own short-lived scoped actor.

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <snakepit/interfaces.hpp>
#include <snakepit/requests.hpp>
#include <snakepit/result.hpp>
#include <snakepit/snapshots.hpp>
#include <snakepit/stream_reader.hpp>

namespace snakepit {

/// Blocking access to the pools of a host (see `spawn_host`).
class client {
public:
  /// `root` is the actor returned by `spawn_host`; `default_pool` answers
  /// requests that name no pool.
  client(caf::actor_system& sys, host_actor root,
         std::string default_pool = "default");

  /// Runs one request and waits for its one reply. Never throws; a missing
  /// pool gives `pool_not_found`, a pool name that cannot be one (not
  /// UTF-8, too long, control characters) `invalid_arguments`, no reply in
  /// time `internal`.
  execute_reply execute(execute_request req);

  /// Starts `req` as a stream (its tool a generator; docs/streaming.md) and
  /// returns its reader at once. A pool that cannot be found makes a
  /// reader whose stream has ended with that failure.
  stream_reader stream(execute_request req);

  /// Convenience overload.
  execute_reply execute(const std::string& pool, const std::string& command,
                        const std::string& args_json = "{}");

  /// Waits until every worker of `pool` is ready or the pool failed (a
  /// failed pool is a snapshot, with `failed` set). Failures:
  /// `pool_not_found`, `invalid_arguments` (not a pool name),
  /// `request_timeout` (`timeout` passed first).
  result<pool_snapshot> await_ready(const std::string& pool,
                                  std::chrono::milliseconds timeout);

  /// Current status of `pool`. Failures: `pool_not_found`,
  /// `invalid_arguments`, `internal` (no answer).
  result<pool_snapshot> status(const std::string& pool);

  /// The snapshot of `pool` with every field filled, the lifecycle actor's
  /// measurements too (CPU, memory growth, utilization over time). Cheap
  /// enough to call every second. Failures: `pool_not_found`, `internal`
  /// (no answer).
  result<pool_snapshot> inspect(const std::string& pool);

  /// Recycles worker `worker_id` of `pool` (empty: every worker of it),
  /// make-before-break, and returns at once with the workers scheduled.
  /// Failures: `pool_not_found`, `invalid_arguments` (no such worker),
  /// `pool_failed`, `shutting_down`.
  result<recycle_ack> recycle(const std::string& pool,
                              const std::string& worker_id = {});

  /// Restarts `pool` if it has failed: all its workers start again at
  /// once, with a fresh restart budget (see `restart_ack`); a pool that
  /// has not failed is left alone (`restarted` false). Returns at once,
  /// before the workers are ready (see `await_ready`). Failures:
  /// `pool_not_found`, `shutting_down`.
  result<restart_ack> restart(const std::string& pool);

  /// Closes session `session_id` of `pool` (docs/sessions.md): its
  /// worker's adapter runs `close_session`, requests waiting for it get
  /// `session_lost`, and the next request with that id opens it anew.
  /// True when the pool knew the session. Failures: `pool_not_found`,
  /// `internal` (no answer).
  result<bool> close_session(const std::string& pool,
                             const std::string& session_id);

private:
  /// A pool's handle and the deadlines that bound a wait for its reply.
  struct pool_entry {
    pool_actor handle;
    std::chrono::milliseconds queue_timeout{0};
    std::chrono::milliseconds request_timeout{0};
  };

  /// Looks a pool up (cached); `pool_not_found` if the host has no such
  /// pool, `invalid_arguments` if `name` cannot be a pool name.
  result<pool_entry> find_pool(const std::string& name);

  /// Forgets a cached pool whose handle went stale.
  void forget(const std::string& name);

  caf::actor_system& sys_;
  host_actor root_;
  std::string default_pool_;
  std::mutex mtx_;
  std::map<std::string, pool_entry> pools_;
};

} // namespace snakepit
