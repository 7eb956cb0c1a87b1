#pragma once

/// Internal to the pool actor: its state and the types it keeps. The state
/// is split by concern, each part written by one file: the request path
/// (pool_requests.cpp), streams' callers (pool_streams.cpp), sessions
/// (pool_sessions.cpp), the workers (pool_members.cpp), supervision and
/// recovery (pool_supervision.cpp), recycling (pool_recycling.cpp), spares
/// (pool_spares.cpp) and starting (pool_startup.cpp); pool_actor.cpp wires
/// the handlers and stops the pool.

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <snakepit/config.hpp>
#include <snakepit/requests.hpp>
#include <snakepit/snapshots.hpp>

#include "actors/actor_time.hpp"
#include "actors/worker_environment.hpp"
#include "core/recovery_backoff.hpp"
#include "core/recycle_policy.hpp"
#include "core/request_queue.hpp"
#include "core/session_table.hpp"
#include "core/slot_table.hpp"

namespace snakepit::detail {

using clock_type = std::chrono::steady_clock;

/// Where a request's one reply goes: its promise and, for a stream, the
/// stream's id (0 for a plain call), so that whatever answers it also ends
/// the stream.
struct reply_promise {
  caf::typed_response_promise<execute_reply> promise;
  uint64_t stream_id = 0;

  /// Sends the reply.
  void deliver(execute_reply reply) {
    promise.deliver(std::move(reply));
  }
};

/// Microseconds from `a` to `b`.
inline int64_t micros_between(clock_type::time_point a,
                              clock_type::time_point b) {
  return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
}

/// A request's encoded call (bridge/json_values.hpp), shared with the
/// worker that runs it and gRPC.
using call_bytes_ptr = std::shared_ptr<const std::string>;

/// A request waiting for a free slot.
struct queued_request {
  reply_promise promise;
  execute_request request;
  call_bytes_ptr call_bytes;
  clock_type::time_point enqueued;
};

/// A request whose arguments a one-shot checker is checking.
struct pending_check {
  reply_promise promise;
  std::string command;
};

/// A call answered with request_timeout (or cancelled) that may still run
/// in Python.
struct abandoned_call {
  uint64_t worker_key = 0;
  /// Its session, empty when none: the call counts as running in it until
  /// it has left Python.
  std::string session_id{};
};

/// A request on a worker.
struct inflight_call {
  reply_promise promise;
  std::string command;
  uint64_t worker_key = 0;
  std::string worker_id;
  clock_type::time_point dispatched;
  int64_t queue_us = 0;
  /// Set when gRPC reported the connection lost: the call waits (briefly)
  /// for its worker's own account of the crash, which says more.
  std::optional<failure> connection_lost;
  /// The request, kept while it may still be retried (idempotent, first
  /// attempt): if its worker crashes under it, it runs again elsewhere.
  std::optional<execute_request> retry;
  /// The retry's encoded call: the same bytes, shared.
  call_bytes_ptr retry_call_bytes;
  /// The request's session; empty when none.
  std::string session_id{};
};

/// How long a call whose connection broke waits for its worker's report
/// (exit code, last output lines) before it is answered with gRPC's.
constexpr auto crash_report_wait = std::chrono::seconds{2};

/// The shortest time between two `pool.capacity_reached` events of a pool.
constexpr auto capacity_report_gap = std::chrono::seconds{1};

/// Timer of a call waiting for its worker's crash report.
using lost_call_atom = caf::atom_constant<caf::atom("sp_lost")>;

/// A ready worker of the pool.
struct worker_entry {
  caf::actor handle;
  /// The supervisor child it fills (see worker_spec::slot).
  std::string slot;
  clock_type::time_point ready_at;
  /// What the pool keeps current of it: key, id, info,
  /// requests_dispatched and memory (from the lifecycle actor's samples).
  /// The rest (busy, draining, uptime) is filled in when a snapshot is
  /// made (actors/pool_snapshots.hpp).
  worker_snapshot snapshot;
};

/// A make-before-break replacement under way, keyed by slot in pool_state.
struct recycle_job {
  /// The worker being replaced.
  uint64_t old_key = 0;
  recycle_reason reason = recycle_reason::manual;
  /// Set once the replacement is ready: the old worker takes no new
  /// requests and stops when its calls are done (or at the drain deadline).
  bool draining = false;
  /// The replacement is a spare swapped in (not a worker started for it):
  /// such recycles do not count against `max_concurrent_recycles`.
  bool via_spare = false;
};

/// The request path: slots, queue, calls in flight and the counts of
/// requests. Written only by pool_requests.cpp; the other parts read it and
/// act on it through that file's functions.
struct request_book {
  /// Every ready worker's slots; routing takes the least-loaded free one.
  slot_table slots;
  std::optional<request_queue<queued_request>> queue;
  std::unordered_map<uint64_t, inflight_call> inflight;
  /// Calls answered with request_timeout that may still run in Python,
  /// by call id: their slots stay busy.
  std::unordered_map<uint64_t, abandoned_call> abandoned;
  uint64_t next_call_id = 1;
  /// Large requests whose arguments are being checked off the pool's path
  /// (actors/argument_checker.hpp), by check id.
  std::unordered_map<uint64_t, pending_check> checking;
  uint64_t next_check_id = 1;
  /// Calls whose worker was stopped by its supervisor giving up: answered
  /// with the pool's failure once the supervisor's escalation arrives.
  std::vector<inflight_call> stranded;
  /// When the queue timer is due; unset when none is armed.
  std::optional<clock_type::time_point> tick_at;
  /// When `pool.capacity_reached` was last published.
  std::optional<clock_type::time_point> capacity_reported_at;
  /// For the inspector: requests handed to a worker, requests answered,
  /// failed ones by category, refusals for a full queue.
  int64_t dispatched = 0;
  int64_t answered = 0;
  std::map<std::string, int64_t> errors;
  int64_t saturated = 0;
};

/// A stream's caller and where the stream runs.
struct stream_entry {
  /// Where its chunks and `stream_opened` go (monitored).
  caf::actor caller;
  /// Its call once on a worker; 0 while it is checked or queued.
  uint64_t call_id = 0;
  /// The caller cancelled it before it reached a worker: it ends with
  /// `cancelled` instead of being dispatched.
  bool cancelled = false;
};

/// The streams not ended yet, by id. Written only by pool_streams.cpp.
struct stream_book {
  std::unordered_map<uint64_t, stream_entry> open;
  /// Open streams per caller: a caller is monitored once, while it has
  /// any (monitors would otherwise pile up on a long-lived caller).
  std::unordered_map<caf::actor_addr, int> callers;
  uint64_t next_id = 1;
};

/// Sessions: which worker holds each and the moves under way (the table),
/// and the requests waiting for their session's worker. Written only by
/// pool_sessions.cpp.
struct session_book {
  session_table table;
  /// Requests waiting for their session's worker (or its move), by
  /// session; they count against the queue's bound with those of `queue`.
  std::unordered_map<std::string, request_queue<queued_request>> waiting;
  std::size_t waiting_count = 0;
  uint64_t next_op_id = 1;
  /// The expiry timer is armed.
  bool sweep_armed = false;
};

/// The worker supervisor, the pool's failure and its recovery. Written
/// only by pool_supervision.cpp.
struct supervision_book {
  /// The worker supervisor; null once it is gone (the pool failed or
  /// stops).
  caf::actor supervisor;
  /// Supervisors that are gone and whose second notice (of exit and down
  /// message) may still come: recognised, then forgotten.
  std::unordered_set<caf::actor_addr> half_gone;
  /// Worker keys, never reused within the pool (across restarts too).
  std::shared_ptr<std::atomic<uint64_t>> next_worker_key
    = std::make_shared<std::atomic<uint64_t>>(0);
  /// Why the pool failed; code `none` while it has not.
  failure failed;
  /// When the pool last failed.
  clock_type::time_point failed_at;
  /// Delays between the recovery probes of a failed pool.
  std::optional<recovery_backoff> recovery;
  /// The recovery probe under way (a worker outside the supervisor), and
  /// its key; null when none.
  caf::actor probe;
  uint64_t probe_key = 0;
  /// Recovery timers carry the round they were set in; a recovery or a
  /// manual restart starts a new round, so older timers are ignored.
  uint64_t recovery_round = 0;
};

/// Make-before-break recycling and what the lifecycle actor reports.
/// Written only by pool_recycling.cpp.
struct recycle_book {
  /// Decides recycles, samples memory, publishes snapshots.
  caf::actor lifecycle;
  /// Recycles under way, by slot.
  std::unordered_map<std::string, recycle_job> jobs;
  /// For the inspector: replaced workers by reason, missed health checks.
  std::map<std::string, int64_t> replaced;
  int64_t health_failures = 0;
  /// For the inspector: requests that recycled workers served past their
  /// own request limit, the most by one worker and in all.
  int64_t overshoot_max = 0;
  int64_t overshoot_total = 0;
};

/// Pre-warmed spares: ready workers kept out of routing until a recycle
/// swaps one in. Written only by pool_spares.cpp.
struct spare_book {
  /// The supervisor children that hold spares.
  std::unordered_set<std::string> slots;
  /// Ready spares by key (oldest first).
  std::map<uint64_t, worker_entry> ready;
  /// Spares being moved into a recycled worker's slot by the supervisor.
  std::map<uint64_t, worker_entry> swapping;
};

/// Starting workers: the start permits that bound how many start at once,
/// and the callers waiting for the pool to be ready. Written only by
/// pool_startup.cpp.
struct startup_book {
  /// Workers starting now.
  std::unordered_set<caf::actor_addr> permit_holders;
  /// Workers waiting to start, in the order they asked.
  std::deque<std::pair<caf::actor_addr, caf::typed_response_promise<bool>>>
    permit_waiters;
  std::vector<caf::typed_response_promise<pool_snapshot>> ready_waiters;
  /// The thread-profile-on-a-GIL-build warning was given.
  bool gil_warned = false;
};

/// The pool actor's state, one part per concern. Each part has one file
/// that writes it (named on the part); pool_actor.cpp holds what is set at
/// start and the stop.
struct pool_state {
  pool_config cfg;
  std::shared_ptr<const worker_environment> env;
  clock_type::time_point started_at;
  /// Set once: the pool takes no more requests and stops its workers.
  bool stopping = false;
  /// The ready workers, by key. pool_members.cpp adds and removes them; a
  /// worker's counters in its snapshot are kept by the part that counts
  /// them (dispatches: requests; memory: recycling).
  std::unordered_map<uint64_t, worker_entry> workers;
  request_book calls;
  stream_book streams;
  session_book sessions;
  supervision_book supervision;
  recycle_book recycling;
  spare_book spares;
  startup_book startup;

  static inline const char* name = "snakepit.pool";
};

using pool_ptr = caf::stateful_actor<pool_state>*;

} // namespace snakepit::detail
