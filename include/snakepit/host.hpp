#pragma once

/// A whole Snakepit host for code outside actors: its own actor system, the
/// runtime, the root supervisor with every pool of a config, the telemetry
/// exporters the config's `[telemetry]` table asks for, and a blocking
/// client; stopped in the right order.
///
///   auto started = snakepit::host::start(snakepit::default_config());
///   if (!started) { /* describe(started.error()) says why */ }
///   auto& h = **started;
///   h.await_ready();
///   auto reply = h.client().execute("default", "add", R"({"a":1,"b":2})");

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <snakepit/bootstrap.hpp>
#include <snakepit/client.hpp>
#include <snakepit/config.hpp>
#include <snakepit/result.hpp>
#include <snakepit/runtime.hpp>
#include <snakepit/snapshots.hpp>

namespace snakepit::telemetry {
class prometheus_endpoint;
} // namespace snakepit::telemetry

namespace snakepit::admin {
class admin_endpoint;
} // namespace snakepit::admin

namespace snakepit {

struct published_node;

/// What a host serves besides its pools.
struct host_options {
  /// A long-running host: it serves the admin socket that `snakepit
  /// inspect` and `snakepit recycle` talk to, and the Prometheus endpoint
  /// when `[telemetry]` asks for it. Off for short-lived hosts (`snakepit
  /// exec`, `demo`): the CLI then finds only the long-running ones, and
  /// they never take the metrics port of a `snakepit run`. A serving host
  /// also serves its pools to other hosts when `[cluster] listen` is set.
  bool serving = true;
  /// Offers host tools (<snakepit/host_tools.hpp>) once the actor system
  /// runs and before the pools start, so that every worker lists them.
  std::function<void(caf::actor_system&, host_tool_registry&)> offer_tools{};
};

/// Owns a running host; the destructor stops it (pools, workers, processes).
class host {
public:
  /// Starts every pool of `cfg` in a new actor system, after the exporters
  /// of `cfg.telemetry` (so they see the first workers start), and serves
  /// the admin socket (`<run dir>/admin.sock`, see host/admin_service.hpp)
  /// (both only when `opts.serving`). Fails if the runtime cannot be
  /// created (`invalid_arguments`, e.g. an unsafe run directory), the
  /// Prometheus endpoint cannot start (`internal`, e.g. its port is in use:
  /// the message names the address and port; `invalid_arguments` for a
  /// port out of range), the admin socket cannot be created (`internal`)
  /// or `[cluster] listen` cannot be served (`internal`, e.g. its port is
  /// in use).
  static result<std::unique_ptr<host>> start(host_config cfg,
                                             host_options opts = {});

  ~host();

  host(const host&) = delete;
  host& operator=(const host&) = delete;

  /// Waits until every pool is ready or failed (bounded by its start-up
  /// timeouts and restart budget), then every remote pool (until its first
  /// attempt to connect ended, and its pool there is ready), then every
  /// pool group (its members summed); returns their status in config
  /// order: pools, remote pools, groups.
  std::vector<pool_snapshot> await_ready();

  /// Blocking access to the pools.
  snakepit::client& client() {
    return *client_;
  }

  /// The actor system the pools run in, for actors of one's own.
  caf::actor_system& system() {
    return env_->system();
  }

  /// The root supervisor (answers `(lookup_atom, pool name)`).
  const host_actor& root() const {
    return root_;
  }

  /// The runtime (run directory, launcher).
  const std::shared_ptr<snakepit::runtime>& runtime() const {
    return rt_;
  }

  /// The host tools its workers' tools may call (`runtime::host_tools`).
  /// Tools added now are callable at once; a worker lists those it found
  /// when it started.
  host_tool_registry& host_tools() {
    return rt_->host_tools();
  }

  /// The configuration the host runs.
  const host_config& config() const {
    return cfg_;
  }

  /// The Prometheus endpoint (its bound address and port, e.g. after
  /// `prometheus_port = 0`); nullptr when `telemetry.prometheus` is off or
  /// the host has stopped.
  const telemetry::prometheus_endpoint* metrics_endpoint() const {
    return metrics_.get();
  }

  /// The port other hosts reach this host's pools on (the one chosen when
  /// `[cluster] listen` said port 0); 0 when not served.
  uint16_t cluster_port() const;

  /// Stops the tree and waits for every actor (each worker stops its
  /// process: SIGTERM, grace, SIGKILL), then the telemetry exporters, then
  /// the runtime. Idempotent.
  void stop();

private:
  host() = default;

  host_config cfg_;
  /// The actor system and the runtime, from `bootstrap`; gone once stopped.
  std::unique_ptr<environment> env_;
  /// The runtime, still readable (shut down) once stopped.
  std::shared_ptr<snakepit::runtime> rt_;
  host_actor root_;
  std::unique_ptr<snakepit::client> client_;
  // Answers the `snakepit` CLI on `<run dir>/admin.sock`.
  std::unique_ptr<admin::admin_endpoint> admin_;
  // The exporters; both live in `sys_` and go before it.
  std::unique_ptr<telemetry::prometheus_endpoint> metrics_;
  caf::actor event_log_;
  // The gateway other hosts reach the pools through (`[cluster] listen`).
  std::unique_ptr<published_node> node_;
};

} // namespace snakepit
