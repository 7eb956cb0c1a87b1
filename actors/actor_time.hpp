#pragma once

/// Time as the actors read it: from their actor system's clock, never from
/// `steady_clock` directly. In a host that clock is steady_clock; under
/// CAF's test coordinator it is the simulated time the actor unit tests
/// advance, so the deadlines an actor computes and the timers
/// (`delayed_send`) that enforce them run on the same clock.

#include <caf/actor_clock.hpp>
#include <caf/local_actor.hpp>

#include "core/clock.hpp"

namespace snakepit {

/// Now on the clock of `self`'s actor system.
inline time_point now_of(const caf::local_actor* self) {
  return self->clock().now();
}

} // namespace snakepit
