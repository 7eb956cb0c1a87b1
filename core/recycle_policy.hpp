#pragma once

/// When to recycle a worker: after a time to live, after a number of
/// requests, or when its Python process uses too much memory (PSS). Each
/// worker gets its own jittered limits when it starts, so workers started
/// together do not all come due at once. The policy only decides; the
/// lifecycle actor does the make-before-break replacement and reports back
/// through `recycle_started` and `recycle_finished`.

#include <snakepit/recycle_reason.hpp>

#include "core/clock.hpp"
#include "core/slot_table.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace snakepit {

/// Pool-wide recycling limits; nullopt means infinity (never due).
struct recycle_limits {
  /// Recycle a worker this long after it started (`worker_ttl`).
  std::optional<std::chrono::milliseconds> ttl;
  /// Recycle a worker after this many requests (`worker_max_requests`).
  std::optional<int64_t> max_requests;
  /// Recycle a worker whose PSS exceeds this many MiB
  /// (`memory_threshold_mb`).
  std::optional<double> memory_threshold_mb;
  /// Each limit of each worker is scaled by a factor drawn uniformly from
  /// [1 - jitter, 1 + jitter] (`recycle_jitter`); clamped to [0, 1].
  double jitter = 0.1;
  /// At most this many recycles under way at once per pool
  /// (`max_concurrent_recycles`); 0 or less: no recycle is ever due.
  int max_concurrent = 1;
};

/// Source of randomness: returns a double in [0, 1). Injected so tests are
/// deterministic; values outside [0, 1] are clamped.
using random_source = std::function<double()>;

/// A deterministic `random_source` seeded with `seed` (SplitMix64, so the
/// sequence is the same on every platform).
random_source seeded_random(uint64_t seed);

/// One worker's personal limits after jitter; nullopt means infinity.
struct worker_limits {
  /// Time to live from the worker's start.
  std::optional<std::chrono::milliseconds> ttl;
  /// Requests after which the worker is due; at least 1.
  std::optional<int64_t> max_requests;
  /// PSS in MiB above which the worker is due.
  std::optional<double> memory_threshold_mb;
};

/// "Recycle this worker now, for this reason."
struct recycle_order {
  /// The worker to replace.
  worker_key key = 0;
  /// The most pressing reason that applies.
  recycle_reason reason = recycle_reason::ttl;
};

/// A worker whose first memory sample was already over its threshold. It
/// is reported once and keeps serving: recycling it for memory would only
/// start another worker just as big, in a loop.
struct birth_report {
  /// The worker.
  worker_key key = 0;
  /// Its first PSS sample, in MiB.
  double baseline_mb = 0;
  /// The worker's (jittered) memory threshold, in MiB.
  double threshold_mb = 0;
};

/// Decides which workers of one pool are due for recycling and caps how
/// many recycles run at once. Calls with an unknown key are no-ops that
/// return false (or nullopt). Not thread-safe: one actor owns it.
class recycle_policy {
public:
  /// A policy with pool-wide `limits`, drawing jitter from `random`.
  recycle_policy(recycle_limits limits, random_source random);

  /// A policy drawing jitter from `seeded_random(seed)`.
  recycle_policy(recycle_limits limits, uint64_t seed);

  /// Starts tracking a worker that became ready at `started` and draws its
  /// personal jittered limits, once. False when `key` is already present.
  bool add_worker(worker_key key, time_point started);

  /// Forgets a worker (stopped, crashed or replaced). If it was being
  /// recycled, that recycle no longer counts as under way.
  bool remove_worker(worker_key key);

  /// Counts `n` (default 1) more requests routed to `key`.
  bool record_request(worker_key key, int64_t n = 1);

  /// Records a PSS sample of the worker's Python process. The first sample
  /// after start is the baseline: if it is already over the threshold, the
  /// worker is marked over limit at birth, reported once (see
  /// `take_birth_reports`) and never recycled for memory. Otherwise a
  /// sample over the threshold makes the worker due for memory from `now`
  /// on (it stays due even if a later sample is lower).
  bool record_memory(worker_key key, double pss_mb, time_point now);

  /// Asks for `key` to be recycled regardless of its limits (to recycle a
  /// whole pool, call this for each worker; the cap still applies). False
  /// when unknown or already being recycled.
  bool request_manual(worker_key key);

  /// The workers to start recycling at `now`, at most `max_concurrent`
  /// minus `in_progress()` of them, most pressing first: by reason
  /// (manual, memory, max_requests, ttl), then by how long they have been
  /// due, then by key. Workers being recycled are never returned. Does not
  /// change anything: call `recycle_started` for each one acted on.
  std::vector<recycle_order> due(time_point now) const;

  /// The caller began replacing `key`. False when unknown or already being
  /// recycled.
  bool recycle_started(worker_key key);

  /// The replacement of `key` is done and the old worker stopped: forgets
  /// it and frees its place under the cap. False when unknown or not
  /// being recycled.
  bool recycle_finished(worker_key key);

  /// The replacement of `key` failed (e.g. the new worker did not start)
  /// and the old worker keeps serving: frees the place under the cap; the
  /// worker stays due and is returned by `due` again. False when unknown
  /// or not being recycled.
  bool recycle_cancelled(worker_key key);

  /// Returns the pending over-limit-at-birth reports and clears them, so
  /// each such worker is reported exactly once.
  std::vector<birth_report> take_birth_reports();

  /// The personal limits drawn for `key`; nullopt when unknown.
  std::optional<worker_limits> limits_of(worker_key key) const;

  /// Requests counted for `key`; 0 when unknown.
  int64_t requests(worker_key key) const;

  /// The first PSS sample of `key`; nullopt when none yet or unknown.
  std::optional<double> baseline_mb(worker_key key) const;

  /// True when `key` is known and was over its memory threshold at birth.
  bool over_limit_at_birth(worker_key key) const;

  /// True when `key` is known and being recycled.
  bool recycling(worker_key key) const;

  /// Recycles under way.
  int in_progress() const {
    return in_progress_;
  }

  /// Number of tracked workers, including those being recycled.
  size_t size() const {
    return workers_.size();
  }

  /// True when `key` is a tracked worker.
  bool contains(worker_key key) const {
    return workers_.count(key) > 0;
  }

  /// The pool-wide limits as given (jitter clamped).
  const recycle_limits& limits() const {
    return limits_;
  }

private:
  struct worker {
    time_point started;
    worker_limits limits;
    int64_t requests = 0;
    std::optional<double> baseline_mb;
    bool over_at_birth = false;
    // First sample over the threshold; set once.
    std::optional<time_point> memory_due_since;
    // Event order (see seq_) of the request that reached max_requests.
    std::optional<uint64_t> count_due_seq;
    // Event order of the manual request.
    std::optional<uint64_t> manual_seq;
    bool recycling = false;
  };

  // Sort key of a due worker: reason rank, then how long it has been due.
  struct candidate {
    int rank;
    time_point since;
    uint64_t seq;
    worker_key key;
    recycle_reason reason;
  };

  double draw_factor();
  std::optional<candidate> check(worker_key key, const worker& w,
                                 time_point now) const;

  recycle_limits limits_;
  random_source random_;
  std::map<worker_key, worker> workers_;
  std::vector<birth_report> birth_reports_;
  int in_progress_ = 0;
  uint64_t seq_ = 0;
};

} // namespace snakepit
