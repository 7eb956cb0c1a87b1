#pragma once

/// Routing over capacity: each worker offers a number of slots (1 in the
/// process profile, `threads_per_worker` in the thread profile) and every
/// request occupies one slot of one worker while it runs.

#include "core/clock.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace snakepit {

/// Identifies a worker within one pool.
using worker_key = uint64_t;

/// Tracks busy and free slots per worker and picks where the next request
/// goes: the accepting worker with the fewest busy slots, ties going to the
/// one acquired least recently, so load spreads evenly. O(log n) per
/// acquire/release; the totals are O(n).
class slot_table {
public:
  /// Adds a worker with `slots` slots, accepting work. Returns false (and
  /// changes nothing) when `key` is already present or `slots` < 1.
  bool add(worker_key key, int slots);

  /// Forgets a worker and its busy slots; false when unknown.
  bool remove(worker_key key);

  /// A worker that does not accept (draining, recycling) gets no new work
  /// but keeps its busy slots until released; false when unknown.
  bool set_accepting(worker_key key, bool accepting);

  /// Picks a worker for one request and marks one of its slots busy;
  /// nullopt when no accepting worker has a free slot.
  std::optional<worker_key> acquire(time_point now);

  /// Marks one slot of `key` busy, for a request that must run there (its
  /// session's state is there); false (a no-op) when `key` is unknown,
  /// does not accept, or has no free slot.
  bool acquire_on(worker_key key, time_point now);

  /// Frees one busy slot of `key`; false (a no-op) when `key` is unknown or
  /// has no busy slot.
  bool release(worker_key key);

  /// Busy slots of `key`; 0 when unknown.
  int busy(worker_key key) const;

  /// Slots of `key`; 0 when unknown.
  int slots(worker_key key) const;

  /// True when `key` is known and accepts work.
  bool accepting(worker_key key) const;

  /// When `key` last got a request; nullopt when never or unknown.
  std::optional<time_point> last_acquired(worker_key key) const;

  /// Slots of the accepting workers.
  int total_slots() const;

  /// Busy slots of all workers, accepting or not.
  int busy_slots() const;

  /// Free slots of the accepting workers: what `acquire` can still hand out.
  int free_slots() const;

  /// Number of workers, accepting or not.
  size_t size() const {
    return workers_.size();
  }

  /// True when `key` is a known worker.
  bool contains(worker_key key) const {
    return workers_.count(key) > 0;
  }

private:
  struct worker {
    int slots = 1;
    int busy = 0;
    bool accepting = true;
    // Order of the last acquire (0 = never); breaks ties between workers.
    uint64_t stamp = 0;
    std::optional<time_point> last_acquired;
  };

  // (busy, stamp, key): the first element is the next worker to pick.
  using candidate = std::tuple<int, uint64_t, worker_key>;

  void unlist(worker_key key, const worker& w);
  void list(worker_key key, const worker& w);

  std::map<worker_key, worker> workers_;
  // Exactly the accepting workers with a free slot.
  std::set<candidate> candidates_;
  uint64_t acquires_ = 0;
};

} // namespace snakepit
