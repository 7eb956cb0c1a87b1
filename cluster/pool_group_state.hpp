#pragma once

/// The state of a pool group actor (cluster/pool_group.hpp) and what its
/// two files share: the actor itself with its status rounds and admin
/// requests (pool_group.cpp), and the calls it passes to its members
/// (group_calls.cpp).

#include <caf/all.hpp>

#include <string>
#include <vector>

#include <snakepit/config.hpp>
#include <snakepit/interfaces.hpp>

#include "cluster/stream_relay.hpp"
#include "core/call_ledger.hpp"
#include "core/group_balancer.hpp"
#include "core/session_holders.hpp"

namespace snakepit::detail {

using status_tick_atom = caf::atom_constant<caf::atom("sp_gtick")>;

using group_actor = pool_actor::extend<
  caf::reacts_to<status_tick_atom>,
  caf::reacts_to<stream_ended_atom, uint64_t, execute_reply>>;

using reply_promise = caf::typed_response_promise<execute_reply>;

/// One member as the group knows it.
struct member_link {
  std::string name;
  /// Invalid until found, and again once it stopped (a DOWN message).
  pool_actor handle;
  /// Its last snapshot, or one whose `failed` says why it is down.
  pool_snapshot last;
};

/// A call (or stream) the group sent to a member, until answered.
struct group_call {
  reply_promise rp;
  std::size_t member = 0;
  /// Its session, if any.
  std::string session;
};

/// A call or stream that came before the first status round ended.
struct parked_call {
  reply_promise rp;
  execute_request req;
  /// For a stream: the actor its chunks go to; else invalid.
  caf::actor stream_caller;
};

struct group_state {
  pool_group_config cfg;
  host_actor root;
  std::vector<member_link> members;
  group_balancer balancer{group_strategy::least_loaded, 0};
  session_holders sessions{std::chrono::hours{1}, 0};
  /// Calls in flight to every member; a stream's id is its call's.
  call_ledger<group_call> calls;
  stream_relays streams;
  /// A status round is asking the members.
  bool round_open = false;
  /// The first status round has ended: calls are no longer parked.
  bool first_round_done = false;
  std::vector<parked_call> parked;

  static inline const char* name = "snakepit.pool_group";
};

using group_ptr = group_actor::stateful_pointer<group_state>;

/// "pool group <name>", for messages.
std::string group_text(const group_state& st);

/// What the group answers for member `i` when a request to it failed.
failure member_failure(group_ptr self, std::size_t i, const caf::error& err);

/// Member `i` answered `s` (or is down, saying why in `s.failed`).
void record(group_ptr self, std::size_t i, pool_snapshot s);

/// Every member's last snapshot, in the order of the config.
std::vector<pool_snapshot> last_snapshots(const group_state& st);

/// A snapshot of `member` that is down for `why`.
pool_snapshot down_snapshot(const std::string& member, failure why);

/// A call (`stream_caller` invalid) or a stream: parked before the first
/// status round ended, else sent to the member its session or the
/// balancer picks, or answered at once with why none takes it.
void accept_call(group_ptr self, reply_promise rp, execute_request req,
                 caf::actor stream_caller);

/// The first status round ended: the parked calls go out.
void release_parked(group_ptr self);

/// The stream of call `id` ended with `reply`.
void stream_ended(group_ptr self, uint64_t id, execute_reply reply);

/// Member `i` stopped for `reason`: its calls in flight fail now, its
/// sessions are lost, and it is down until found again.
void member_stopped(group_ptr self, std::size_t i, const caf::error& reason);

/// The group is stopping: everything waiting gets shutting_down.
void stopping(group_ptr self);

} // namespace snakepit::detail
