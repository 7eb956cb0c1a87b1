#pragma once

/// The waiting room of a pool: requests that found no free worker wait here
/// in arrival order until a worker frees up, their deadline passes, or the
/// pool shuts down.

#include "core/clock.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace snakepit {

/// Bounded FIFO whose items each carry their own deadline. Deadlines need
/// not be monotonic (requests may have different timeouts). Every operation
/// is O(log n) per item touched.
///
/// Call `expire(now)` before `pop()` so that no overdue item is served; an
/// item leaves the queue exactly once, through `pop`, `expire` or `drain`.
template <class T>
class request_queue {
public:
  /// A queue holding at most `capacity` items.
  explicit request_queue(size_t capacity) : capacity_(capacity) {
    // nop
  }

  /// Appends `item`, due at `deadline`; returns false (and drops `item`)
  /// when the queue is full.
  bool push(T item, time_point deadline) {
    if (items_.size() >= capacity_)
      return false;
    auto seq = next_seq_++;
    auto due = deadlines_.emplace(deadline, seq);
    items_.emplace(seq, entry{std::move(item), due});
    return true;
  }

  /// Puts `item` before every queued item, due at `deadline`, even when the
  /// queue is full: for an item admitted before (a retried request), so
  /// the queue may briefly hold more than `capacity` items.
  void push_front(T item, time_point deadline) {
    auto seq = next_front_seq_--;
    auto due = deadlines_.emplace(deadline, seq);
    items_.emplace(seq, entry{std::move(item), due});
  }

  /// Removes and returns the first item (front pushes first, then the
  /// oldest); nullopt when empty.
  std::optional<T> pop() {
    if (items_.empty())
      return std::nullopt;
    auto first = items_.begin();
    std::optional<T> result{std::move(first->second.item)};
    deadlines_.erase(first->second.due);
    items_.erase(first);
    return result;
  }

  /// Removes and returns every item whose deadline is at or before `now`,
  /// oldest first; the others keep their order.
  std::vector<T> expire(time_point now) {
    std::vector<uint64_t> seqs;
    auto end = deadlines_.upper_bound(now);
    for (auto i = deadlines_.begin(); i != end; ++i)
      seqs.push_back(i->second);
    deadlines_.erase(deadlines_.begin(), end);
    std::sort(seqs.begin(), seqs.end());
    std::vector<T> result;
    result.reserve(seqs.size());
    for (auto seq : seqs) {
      auto i = items_.find(seq);
      result.push_back(std::move(i->second.item));
      items_.erase(i);
    }
    return result;
  }

  /// The earliest deadline of any queued item (when to call `expire`
  /// next); nullopt when empty.
  std::optional<time_point> next_deadline() const {
    if (deadlines_.empty())
      return std::nullopt;
    return deadlines_.begin()->first;
  }

  /// Removes and returns all items, oldest first (for shutdown).
  std::vector<T> drain() {
    std::vector<T> result;
    result.reserve(items_.size());
    for (auto& [seq, e] : items_)
      result.push_back(std::move(e.item));
    items_.clear();
    deadlines_.clear();
    return result;
  }

  /// Number of queued items.
  size_t size() const {
    return items_.size();
  }

  /// Maximum number of queued items.
  size_t capacity() const {
    return capacity_;
  }

  /// True when no item is queued.
  bool empty() const {
    return items_.empty();
  }

  /// True when `push` would refuse.
  bool full() const {
    return items_.size() >= capacity_;
  }

private:
  using deadline_index = std::multimap<time_point, uint64_t>;

  struct entry {
    T item;
    typename deadline_index::iterator due;
  };

  /// `push` counts up from here, `push_front` down from just below it.
  static constexpr uint64_t first_back_seq = uint64_t{1} << 63;

  size_t capacity_;
  uint64_t next_seq_ = first_back_seq;
  uint64_t next_front_seq_ = first_back_seq - 1;
  // Keyed by arrival sequence number, so iteration order is FIFO order.
  std::map<uint64_t, entry> items_;
  deadline_index deadlines_;
};

} // namespace snakepit
