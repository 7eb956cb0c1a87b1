#include <snakepit/host.hpp>

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <limits>

#include <snakepit/snakepit.hpp>

#include "actors/worker_environment.hpp"
#include "cluster/cluster.hpp"
#include "admin/admin_endpoint.hpp"
#include "admin/live_runs.hpp"
#include "host/admin_service.hpp"
#include "telemetry/log_subscriber.hpp"
#include "telemetry/prometheus_endpoint.hpp"

namespace snakepit {

result<std::unique_ptr<host>> host::start(host_config cfg,
                                          host_options opts) {
  auto env = bootstrap(cfg);
  if (!env)
    return std::move(env).error();
  std::unique_ptr<host> h{new host};
  h->cfg_ = std::move(cfg);
  h->env_ = std::move(*env);
  h->rt_ = h->env_->runtime();
  auto& sys = h->env_->system();
  // The exporters subscribe before the pools start, so they see every
  // worker start. On an error, `h`'s destructor undoes what was started.
  const auto& tel = h->config().telemetry;
  if (tel.prometheus && opts.serving) {
    if (tel.prometheus_port < 0
        || tel.prometheus_port > std::numeric_limits<uint16_t>::max())
      return make_failure(
        error_code::invalid_arguments,
        "cannot start telemetry: telemetry.prometheus_port: must be "
        "between 0 and 65535 (got "
          + std::to_string(tel.prometheus_port) + ")");
    telemetry::prometheus_options where;
    where.address = tel.prometheus_address;
    where.port = static_cast<uint16_t>(tel.prometheus_port);
    where.allow_remote = tel.prometheus_allow_remote;
    auto started = telemetry::prometheus_endpoint::start(sys, where);
    if (!started)
      return make_failure(error_code::internal,
                          "cannot start telemetry: " + started.error);
    h->metrics_ = std::move(started.endpoint);
    spdlog::info("serving Prometheus metrics on {}", h->metrics_->url());
  }
  if (tel.log_events)
    h->event_log_ = telemetry::spawn_log_subscriber(sys);
  if (opts.offer_tools)
    opts.offer_tools(sys, h->rt_->host_tools());
  h->root_ = spawn_host(sys, h->config(), h->runtime());
  const auto& cfg_now = h->config();
  h->client_ = std::make_unique<snakepit::client>(
    sys, h->root_,
    cfg_now.pools.empty() ? cfg_now.remote_pools.front().name
                          : cfg_now.pools.front().name);
  if (!opts.serving)
    return result<std::unique_ptr<host>>{std::move(h)};
  // What the host serves, by name: its pools, remote pools and groups.
  std::vector<std::string> pools;
  for (const auto& pool : cfg_now.pools)
    pools.push_back(pool.name);
  for (const auto& remote : cfg_now.remote_pools)
    pools.push_back(remote.name);
  for (const auto& group : cfg_now.pool_groups)
    pools.push_back(group.name);
  if (!cfg_now.cluster.listen.empty()) {
    auto node = publish_node(sys, h->root_, pools, cfg_now.cluster,
                             h->runtime()->tls());
    if (auto* err = std::get_if<std::string>(&node))
      return make_failure(error_code::internal,
                          "cannot serve the pools to other hosts: " + *err);
    h->node_ = std::make_unique<published_node>(
      std::move(std::get<published_node>(node)));
    spdlog::info("serving the pools to other hosts on port {} ({}{})",
                 h->node_->port, cfg_now.cluster.listen,
                 h->node_->front ? ", mutual TLS" : "");
  }
  auto admin = admin::admin_endpoint::start(
    admin::admin_socket_path(h->runtime()->env()->run_path),
    make_admin_handler(*h->client_, std::move(pools)));
  if (auto* err = std::get_if<std::string>(&admin))
    return make_failure(error_code::internal,
                        "cannot start the admin endpoint: " + *err);
  h->admin_ = std::move(std::get<std::unique_ptr<admin::admin_endpoint>>(admin));
  return result<std::unique_ptr<host>>{std::move(h)};
}

host::~host() {
  stop();
}

std::vector<pool_snapshot> host::await_ready() {
  std::vector<pool_snapshot> out;
  // A pool that does not answer within `bound` is reported as `failed`.
  auto await_one = [&](const std::string& name,
                       std::chrono::milliseconds bound, failure failed) {
    if (auto s = client_->await_ready(name, bound)) {
      out.push_back(std::move(*s));
      return;
    }
    pool_snapshot missing;
    missing.name = name;
    missing.failed = std::move(failed);
    out.push_back(std::move(missing));
  };
  for (const auto& pool : config().pools) {
    // Workers start in waves of `startup_concurrency`, each wave bounded by
    // the start-up timeout; restarts may add a few more waves.
    auto waves = (pool.size + pool.startup_concurrency - 1)
                 / pool.startup_concurrency;
    await_one(pool.name,
              pool.startup_timeout * (waves + pool.max_restarts + 1),
              make_failure(error_code::pool_failed,
                           "pool " + pool.name
                             + " did not become ready in time"));
  }
  for (const auto& remote : config().remote_pools) {
    // The first attempt to connect, then the pool there getting ready (the
    // remote pool answers node_down once the attempt failed).
    await_one(remote.name, remote.connect_timeout * 3 + std::chrono::minutes{1},
              make_failure(error_code::node_down,
                           "remote pool " + remote.name
                             + " did not answer in time"));
  }
  // Their members are ready (or failed) by now.
  for (const auto& group : config().pool_groups)
    await_one(group.name, std::chrono::minutes{1},
              make_failure(error_code::pool_failed,
                           "pool group " + group.name
                             + " did not answer in time"));
  return out;
}

uint16_t host::cluster_port() const {
  return node_ ? node_->port : 0;
}

void host::stop() {
  if (!env_)
    return;
  // No admin request may reach the tree while it stops, and other hosts
  // lose this one first: their calls in flight fail with node_down.
  admin_.reset();
  if (node_) {
    unpublish_node(system(), *node_);
    node_.reset();
  }
  if (root_) {
    // Wait for the tree to be down first, so that the exporters still see
    // its last events (replies to calls cut short by the shutdown).
    caf::scoped_actor self{system()};
    self->monitor(root_);
    caf::anon_send_exit(root_, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {});
    root_ = nullptr;
  }
  // The exporters' actors live in the system: stopped here, or
  // await_all_actors_done would wait for them forever.
  metrics_.reset();
  if (event_log_) {
    caf::anon_send_exit(event_log_, caf::exit_reason::user_shutdown);
    event_log_ = nullptr;
  }
  // Calls still running on other threads get their replies (shutting_down
  // at worst) before the client goes.
  system().await_all_actors_done();
  client_.reset();
  env_.reset();
}

} // namespace snakepit
