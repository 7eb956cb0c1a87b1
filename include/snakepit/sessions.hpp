#pragma once

/// Sessions: requests with the same `session_id` go to the worker that
/// holds the session's state (docs/sessions.md). The affinity mode says
/// what happens when that worker is busy.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace snakepit {

/// How a request of a session finds its worker. Stable names (see
/// `to_string`), as Snakepit names them.
enum class affinity_mode : uint8_t {
  /// A request's own value only: use the pool's `session_affinity`.
  pool_default = 0,
  /// Prefer the session's worker; when it is busy, any free worker serves
  /// the request (its adapter sees that worker's state of the session, if
  /// any): for state that is a cache.
  hint,
  /// Wait for the session's worker (within the queue timeout).
  strict_queue,
  /// Fail at once with `session_busy` when the session's worker is busy.
  strict_fail_fast,
};

/// "pool_default", "hint", "strict_queue" or "strict_fail_fast".
std::string to_string(affinity_mode mode);

/// Inverse of `to_string(affinity_mode)`; nullopt for any other name.
std::optional<affinity_mode> affinity_mode_from_string(std::string_view s);

} // namespace snakepit
