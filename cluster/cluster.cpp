#include "cluster/cluster.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <spdlog/spdlog.h>

#include "cluster/tls_front.hpp"
#include "core/config_checker.hpp"

namespace snakepit {

bool needs_middleman(const host_config& cfg) {
  return !cfg.cluster.listen.empty() || !cfg.remote_pools.empty();
}

void prepare_middleman(caf::actor_system_config& sys_cfg,
                       const cluster_config& cluster) {
  sys_cfg.load<caf::io::middleman>();
  sys_cfg.set("middleman.heartbeat-interval",
              caf::timespan{cluster.heartbeat});
  sys_cfg.set("middleman.connection-timeout",
              caf::timespan{cluster.heartbeat.count() > 0
                              ? cluster.node_timeout
                              : std::chrono::milliseconds{0}});
}

std::variant<published_node, std::string>
publish_node(caf::actor_system& sys, host_actor root,
             std::vector<std::string> pools, const cluster_config& cluster,
             std::shared_ptr<tls_front> front) {
  auto at = parse_endpoint(cluster.listen);
  if (auto* problem = std::get_if<std::string>(&at))
    return "cluster.listen: " + *problem;
  const auto& where = std::get<endpoint>(at);
  if (!sys.has_middleman())
    return "the actor system has no middleman (prepare_middleman)";
  published_node node;
  node.gateway = spawn_node_gateway(sys, std::move(root), std::move(pools));
  // Behind the front, CAF listens on any free loopback port.
  auto host = front || where.host == "localhost" ? std::string{"127.0.0.1"}
                                                 : where.host;
  auto port = caf::io::publish(node.gateway,
                               front ? uint16_t{0}
                                     : static_cast<uint16_t>(where.port),
                               host.c_str(), true);
  if (!port) {
    caf::anon_send_exit(node.gateway, caf::exit_reason::user_shutdown);
    return "cannot listen on " + (front ? host + ":0" : cluster.listen)
           + ": " + sys.render(port.error());
  }
  node.port = node.caf_port = *port;
  if (!front)
    return node;
  auto served = front->serve(where, node.caf_port);
  if (auto* problem = std::get_if<std::string>(&served)) {
    unpublish_node(sys, node);
    return *problem;
  }
  node.port = std::get<uint16_t>(served);
  node.front = std::move(front);
  return node;
}

void unpublish_node(caf::actor_system& sys, published_node& node) {
  if (!node.gateway)
    return;
  if (node.front) {
    node.front->stop_serving(node.port);
    auto seen = node.front->counters();
    spdlog::info("cluster: mutual TLS on port {} closed: {} connection(s) "
                 "piped, {} refused, {} timed out, {} oversized, {} over "
                 "max_connections",
                 node.port, seen.piped, seen.refused, seen.timed_out,
                 seen.oversized, seen.over_capacity);
    node.front = nullptr;
  }
  if (sys.has_middleman())
    caf::io::unpublish(node.gateway, node.caf_port);
  caf::anon_send_exit(node.gateway, caf::exit_reason::user_shutdown);
  node.gateway = nullptr;
}

} // namespace snakepit
