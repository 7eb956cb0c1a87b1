#pragma once

/// Snakepit telemetry: events on a bus, a log subscriber, Prometheus metrics
/// and their HTTP endpoint. See docs/telemetry.md.
///
///   events.hpp               names, keys, `event`, `make_*` helpers, table
///   bus.hpp                  publish, subscribe (actors and callbacks)
///   log_subscriber.hpp       spdlog output
///   metrics.hpp              aggregation and the text exposition format
///   prometheus_endpoint.hpp  `GET /metrics` over HTTP (Boost.Beast)

#include "telemetry/bus.hpp"
#include "telemetry/events.hpp"
#include "telemetry/log_subscriber.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/prometheus_endpoint.hpp"
