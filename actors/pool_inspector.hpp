#pragma once

/// Internal to the pool actor: the part of a pool inspection the pool
/// knows (configuration, slots, queue, counts, workers and their load).
/// The lifecycle actor adds what it measures (memory, CPU, utilization
/// over time) before the inspection is answered.

#include <snakepit/inspection.hpp>

#include "actors/pool_state.hpp"

namespace snakepit::detail {

/// The pool's own facts about itself, now.
pool_inspection make_pool_inspection(pool_ptr self);

} // namespace snakepit::detail
