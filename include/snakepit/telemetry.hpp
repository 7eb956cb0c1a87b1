#pragma once

/// Snakepit's telemetry for users: typed events, the bus that delivers
/// them to subscribed actors and callbacks, and the pools' periodic
/// snapshots. See docs/telemetry.md.
///
///   telemetry/event_types.hpp  one struct per event, its name and fields
///   telemetry/events.hpp       `event` (any of them), names, field walks,
///                              `pool_snapshot`
///   telemetry/bus.hpp          `subscribe`, `topic`, `event_behavior`,
///                              callback subscriptions and sinks, `publish`

#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/event_types.hpp>
#include <snakepit/telemetry/events.hpp>
