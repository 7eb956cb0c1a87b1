#pragma once

/// Setting Snakepit up in one call. Two ways, after how much of the actor
/// system is one's own:
///
/// - `prepare(cfg)` on one's own `caf::actor_system_config`, before the
///   system is created: Snakepit's message types, error category and
///   latency tuning. Then `runtime::create` once per process.
/// - `bootstrap(host_cfg)`: an `environment` owning the CAF configuration,
///   the actor system and the runtime, destroyed in the right order (every
///   actor done, then the runtime stops what is left of the workers):
///
///   auto env = snakepit::bootstrap(snakepit::default_config());
///   if (!env) { /* describe(env.error()) says why */ }
///   auto& sys = (*env)->system();
///   sys.spawn(my_service, (*env)->runtime());  // spawns pools inside
///   // leaving scope: waits for my_service and its pools, then cleans up

#include <caf/fwd.hpp>

#include <functional>
#include <memory>

#include <snakepit/config.hpp>
#include <snakepit/result.hpp>
#include <snakepit/runtime.hpp>

namespace snakepit {

/// Readies a CAF configuration for Snakepit: registers Snakepit's and its
/// telemetry's message types and error category, and applies
/// `tune_for_latency`. Call before creating the actor system; settings
/// made afterwards (e.g. another scheduler policy) win.
void prepare(caf::actor_system_config& cfg);

/// An actor system ready for Snakepit's pools, with the runtime they need.
/// Spawn pools (`spawn_pool`, `spawn_host`) and one's own actors in
/// `system()`. The destructor waits until every actor of the system is done
/// (stop them first; no `caf::scoped_actor` may be alive then), then shuts
/// the runtime down.
class environment {
public:
  ~environment();

  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  /// The actor system.
  caf::actor_system& system() {
    return *sys_;
  }

  /// The runtime (launcher, run directory); share it with `spawn_pool`.
  const std::shared_ptr<snakepit::runtime>& runtime() const {
    return rt_;
  }

  /// The configuration the environment was created from.
  const host_config& config() const {
    return cfg_;
  }

private:
  friend result<std::unique_ptr<environment>>
  bootstrap(host_config cfg,
            const std::function<void(caf::actor_system_config&)>& configure);

  environment() = default;

  host_config cfg_;
  std::unique_ptr<caf::actor_system_config> sys_cfg_;
  // Declared before the system: outlives it.
  std::shared_ptr<snakepit::runtime> rt_;
  std::unique_ptr<caf::actor_system> sys_;
};

/// Creates the runtime (`runtime::create`), then an actor system on a
/// `prepare`d configuration, to which `configure` (if set) adds one's own
/// settings and types. Fails as `runtime::create` does. Like
/// `host::start`, it does not check `cfg`: a config built in code goes
/// through `validate` first (files read by `load_config_file` already
/// did).
result<std::unique_ptr<environment>>
bootstrap(host_config cfg = default_config(),
          const std::function<void(caf::actor_system_config&)>& configure
          = {});

} // namespace snakepit
