#pragma once

/// The state of a remote pool's proxy (cluster/remote_pool.hpp) and what
/// its two files share: connecting and the actor itself (remote_pool.cpp),
/// and the calls, streams and sessions it passes on (remote_calls.cpp).

#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <snakepit/config.hpp>
#include <snakepit/interfaces.hpp>

#include "cluster/node_actor.hpp"
#include "cluster/remote_pool.hpp"
#include "cluster/stream_relay.hpp"
#include "core/call_ledger.hpp"
#include "core/recovery_backoff.hpp"
#include "core/session_holders.hpp"

namespace snakepit::remote_detail {

using reconnect_atom = caf::atom_constant<caf::atom("sp_rrecon")>;

using proxy_actor = pool_actor::extend<
  caf::reacts_to<reconnect_atom>,
  caf::reacts_to<subscribe_remote_atom, caf::actor, uint16_t>,
  caf::reacts_to<stream_ended_atom, uint64_t, execute_reply>>;

enum class link_state { connecting, up, down };

/// A call sent to the other host, until it is answered.
struct pending_call {
  caf::typed_response_promise<execute_reply> answer;
  std::string command;
  std::chrono::steady_clock::time_point started;
  /// Its session, once counted as running in `proxy_state::sessions`.
  std::string session{};
};

struct proxy_state {
  remote_pool_config cfg;
  remote_route route;
  link_state link = link_state::connecting;
  node_actor node;
  pool_actor remote;
  /// The node of the last connection lost: the middleman may still hand
  /// it out from its cache right after the loss (refused once).
  caf::node_id dead;
  /// Counts connection attempts and losses: answers of an older attempt
  /// are ignored.
  uint64_t attempt = 0;
  /// Why the last attempt failed or the connection was lost.
  std::string problem = "not connected yet";
  call_ledger<pending_call> calls;
  /// Streams in flight, by call (cluster/stream_relay.hpp).
  stream_relays streams;
  /// The sessions passed on, each held by a run of the pool there
  /// (`run`).
  session_holders sessions{std::chrono::hours{1}, 0};
  /// Counts the runs of the pool there: a new one once the pool reached
  /// is another actor than the last connection's (its host or the pool
  /// restarted, and their sessions with them).
  std::size_t run = 0;
  /// The pool there of the last connection: its node and actor id.
  std::optional<std::pair<caf::node_id, caf::actor_id>> last_pool;
  recovery_backoff backoff{std::chrono::milliseconds{100},
                           std::chrono::seconds{5}};
  /// await_ready callers waiting for the first attempt to end.
  std::vector<caf::typed_response_promise<pool_snapshot>> awaiting;
  /// Local actors subscribed to the other host's telemetry, with their
  /// topic bits: subscribed again on each connection.
  std::map<caf::actor_addr, std::pair<caf::actor, uint16_t>> subscribers;

  static inline const char* name = "snakepit.remote_pool";
};

using proxy_ptr = proxy_actor::stateful_pointer<proxy_state>;

/// "host <node> (pool <pool>)", for messages.
std::string node_text(const proxy_state& st);

/// `node_down`, saying what the link's problem is.
failure node_down(const proxy_state& st);

/// A snapshot of the remote pool whose `failed` is `node_down`.
pool_snapshot down_snapshot(const proxy_state& st);

/// Answers `call` with `reply` and publishes `request.executed` for it,
/// tagged with the other host.
void finish(proxy_ptr self, pending_call& call, execute_reply reply);

/// Passes a call on to the pool there; its reply comes back once.
caf::typed_response_promise<execute_reply>
forward_call(proxy_ptr self, execute_request& req);

/// A stream: the relay requests it there and passes it on to the caller;
/// its end comes back as `stream_ended_atom`.
caf::typed_response_promise<execute_reply>
forward_stream(proxy_ptr self, execute_request& req);

/// Connected to the pool there (`st.remote`): if it is another actor than
/// the last connection's, the sessions held by the last one are lost.
void note_run(proxy_ptr self);

/// Closes session `id` there; a session lost here is just forgotten.
caf::result<bool> close_session(proxy_ptr self, const std::string& id);

} // namespace snakepit::remote_detail
