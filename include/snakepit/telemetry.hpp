#pragma once

/// Snakepit's telemetry for users: typed events, the bus that delivers
/// them to subscribed actors and callbacks, and the pools' periodic
/// snapshots (`pool_snapshot`, <snakepit/snapshots.hpp>). See
/// docs/telemetry.md.
///
///   telemetry/event_types.hpp  one struct per event, its name and fields
///   telemetry/events.hpp       `event` (any of them), names, field walks
///   telemetry/bus.hpp          `subscribe`, `topic`, `event_behavior`,
///                              callback subscriptions and sinks, `publish`

#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/event_types.hpp>
#include <snakepit/telemetry/events.hpp>
