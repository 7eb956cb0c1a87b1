#pragma once

/// Internal to the pool actor: its snapshot (<snakepit/snapshots.hpp>),
/// built from what the pool keeps (configuration, slots, queue, counts,
/// workers and their load). It answers `(status_atom)`, `(await_ready_atom)`
/// and the lifecycle actor's `(lifecycle_atom)`; for `(inspect_atom)` the
/// lifecycle actor adds what it measures (CPU, memory growth, utilization
/// over time) before the snapshot is answered.

#include <snakepit/snapshots.hpp>

#include "actors/pool_state.hpp"

namespace snakepit::detail {

/// The pool's own facts about itself and its workers (oldest first), now.
pool_snapshot make_pool_snapshot(pool_ptr self);

} // namespace snakepit::detail
