#pragma once

/// The typed interfaces of a pool and of a host's root supervisor. Sending
/// either a message it does not handle, or expecting a reply of another
/// type, does not compile:
///
///   snakepit::pool_actor pool = snakepit::spawn_pool(self, cfg, rt->env());
///   self->request(pool, 10s, snakepit::execute_atom::value, req)
///     .then([](const snakepit::execute_reply& r) { ... });
///
/// Errors reach the error handler as a `caf::error` of Snakepit's category
/// (`from_caf_error` in <snakepit/errors.hpp> reads it back).

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

#include <snakepit/atoms.hpp>
#include <snakepit/requests.hpp>
#include <snakepit/snapshots.hpp>
#include <snakepit/streams.hpp>

namespace snakepit {

/// A pool (see <snakepit/pool.hpp>).
using pool_actor = caf::typed_actor<
  /// Runs one request; always exactly one reply, failures in-band.
  caf::replies_to<execute_atom, execute_request>::with<execute_reply>,
  /// Runs one request as a stream: `stream_opened` and the chunks go to
  /// the sender, then the reply ends the stream (<snakepit/streams.hpp>).
  caf::replies_to<execute_stream_atom, execute_request>::with<execute_reply>,
  /// The sender of a stream took `n` more of its chunks.
  caf::reacts_to<stream_ack_atom, uint64_t, uint32_t>,
  /// The sender of a stream gives it up.
  caf::reacts_to<stream_cancel_atom, uint64_t>,
  /// The pool's state now.
  caf::replies_to<status_atom>::with<pool_snapshot>,
  /// Answers once every worker is ready, or at once when the pool failed.
  caf::replies_to<await_ready_atom>::with<pool_snapshot>,
  /// The pool's state with the lifecycle actor's measurements (the
  /// "inspect only" fields of <snakepit/snapshots.hpp>).
  caf::replies_to<inspect_atom>::with<pool_snapshot>,
  /// Recycles one worker by id ("" every worker), make-before-break;
  /// answers at once. Errors: invalid_arguments (no such worker),
  /// pool_failed, shutting_down.
  caf::replies_to<recycle_atom, std::string>::with<recycle_ack>,
  /// Restarts a failed pool now; leaves a pool that has not failed alone.
  /// Errors: shutting_down.
  caf::replies_to<restart_atom>::with<restart_ack>,
  /// Closes a session (docs/sessions.md); true when the pool knew it.
  caf::replies_to<close_session_atom, std::string>::with<bool>>;

/// The root supervisor of a host (see `spawn_host` in
/// <snakepit/snakepit.hpp>): one child per configured pool.
using host_actor = caf::typed_actor<
  /// Finds a pool by name. Errors: pool_not_found; the handle is invalid
  /// while that pool restarts.
  caf::replies_to<lookup_atom, std::string>::with<pool_actor>>;

} // namespace snakepit
