#pragma once

/// Which member of a pool group (docs/distribution.md, "Pool groups") takes
/// the next request: plain logic without CAF, driven by the group actor
/// (cluster/pool_group.cpp) and unit-tested directly.
///
/// Per member it keeps whether the member is up, the free capacity its
/// last snapshot showed, and the group's own calls in flight to it. The
/// capacity a member has now is estimated as
///
///   headroom = snapshot_free - (in_flight - in_flight_at_snapshot)
///
/// where `snapshot_free` is free slots minus queued requests at the
/// snapshot (`free_capacity`), `in_flight` the group's calls to the member
/// not answered yet, and `in_flight_at_snapshot` that count when the
/// snapshot arrived (those calls are already counted in the snapshot as
/// busy or queued). A call sent since the snapshot takes one off, a call
/// answered since gives one back. Headroom may go below zero: requests
/// queued beyond the member's capacity; under saturation the member that
/// drains fastest gets the most.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <snakepit/config.hpp>
#include <snakepit/snapshots.hpp>

namespace snakepit {

/// Free capacity a snapshot shows: free slots minus queued requests (below
/// zero when requests wait).
int64_t free_capacity(const pool_snapshot& s);

/// True when a member whose snapshot is `s` may take requests: it has not
/// failed (a remote pool's host down is `failed` = node_down) and is not
/// stopping.
bool takes_requests(const pool_snapshot& s);

/// Picks members for a group's requests by its strategy, among the
/// members that are up. A member starts down until its first report.
class group_balancer {
public:
  /// A balancer over `members` members, indexed 0 to members - 1.
  group_balancer(group_strategy strategy, std::size_t members);

  /// Member `member` sent snapshot `s`: up with its free capacity, or down
  /// when it does not take requests.
  void report(std::size_t member, const pool_snapshot& s);

  /// Member `member` is down (not found, stopped, or silent).
  void report_down(std::size_t member);

  /// The member for the next request, counted as in flight to it; nullopt
  /// when no member is up. least_loaded: the most headroom, ties in turn;
  /// round_robin: the next member up after the last one picked.
  std::optional<std::size_t> pick();

  /// A call was sent to `member` without `pick` (a request of a session
  /// the member holds): it counts as in flight.
  void sent(std::size_t member);

  /// A call sent to `member` was answered (or failed): it no longer counts.
  void answered(std::size_t member);

  /// True while `member` is up.
  bool up(std::size_t member) const;

  /// The estimated free capacity of `member` now (see the file comment).
  int64_t headroom(std::size_t member) const;

  /// The group's calls to `member` not answered yet.
  int64_t in_flight(std::size_t member) const;

private:
  struct member_load {
    bool up = false;
    int64_t snapshot_free = 0;
    int64_t in_flight = 0;
    int64_t in_flight_at_snapshot = 0;
  };

  group_strategy strategy_;
  std::vector<member_load> members_;
  /// Where the search for the next member starts (the one after the last
  /// picked), so ties and round_robin go in turn.
  std::size_t next_ = 0;
};

} // namespace snakepit
