#pragma once

/// An opt-in HTTP endpoint serving `GET /metrics` in the Prometheus text
/// format. It feeds the telemetry bus's events and pool snapshots into
/// `synchronized_metrics` through a sink (inline in `publish`, no actor
/// wake-up per event), and serves them from its own
/// thread (Boost.Beast on an io_context, never a CAF scheduler thread).
/// Bound to 127.0.0.1 unless told otherwise.
///
///   auto started = telemetry::prometheus_endpoint::start(sys, {});
///   if (!started)
///     spdlog::error("{}", started.error);
///   // ... curl http://127.0.0.1:9464/metrics
///   started.endpoint.reset();   // before the actor system goes away

#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include <snakepit/telemetry/bus.hpp>

#include "telemetry/metrics.hpp"

namespace snakepit::telemetry {

/// Where the endpoint listens.
struct prometheus_options {
  /// Address to bind; a loopback address unless `allow_remote`.
  std::string address = "127.0.0.1";
  /// TCP port; 0 picks a free one (see `prometheus_endpoint::port`).
  uint16_t port = 9464;
  /// Allows binding a non-loopback address, which exposes the metrics to
  /// other hosts.
  bool allow_remote = false;
};

class prometheus_endpoint;

/// The endpoint, or why it could not start.
struct prometheus_start {
  std::unique_ptr<prometheus_endpoint> endpoint;
  /// Empty on success.
  std::string error;

  /// True when the endpoint runs.
  explicit operator bool() const {
    return endpoint != nullptr;
  }
};

/// A running endpoint. Its destructor stops the server, joins its thread and
/// ends its subscription; destroy it before the actor system.
class prometheus_endpoint {
public:
  /// Validates `opts`, binds, subscribes to `sys`'s telemetry and starts
  /// serving. Errors (bad or non-loopback address, port in use) are values.
  static prometheus_start start(caf::actor_system& sys,
                                const prometheus_options& opts);

  ~prometheus_endpoint();

  prometheus_endpoint(const prometheus_endpoint&) = delete;
  prometheus_endpoint& operator=(const prometheus_endpoint&) = delete;

  /// The bound address.
  const std::string& address() const;

  /// The bound port (the chosen one when started with port 0).
  uint16_t port() const;

  /// `http://address:port/metrics`.
  std::string url() const;

  /// The metrics it serves.
  const std::shared_ptr<synchronized_metrics>& metrics() const;


private:
  struct impl;

  explicit prometheus_endpoint(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace snakepit::telemetry
