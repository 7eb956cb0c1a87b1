#include "inspect_node.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <algorithm>
#include <iostream>

#include <snakepit/snakepit.hpp>

#include "cli_support.hpp"
#include "cluster/cluster.hpp"
#include "cluster/node_actor.hpp"
#include "cluster/remote_pool.hpp"
#include "cluster/tls_front.hpp"
#include "core/config_checker.hpp"
#include "host/inspection_json.hpp"
#include "inspect_render.hpp"

namespace snakepit::cli {

struct node_inspector::state {
  std::string node;
  std::chrono::milliseconds timeout{0};
  // The front outlives the actor system, whose connections go through it.
  std::shared_ptr<tls_front> front;
  std::unique_ptr<caf::actor_system_config> sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  node_actor gateway;
};

namespace {

/// Prints `why` about `node` to stderr; null.
std::unique_ptr<node_inspector> refuse(const std::string& node,
                                       const std::string& why) {
  std::cerr << "snakepit inspect --node " << node << ": " << why << '\n';
  return nullptr;
}

} // namespace

node_inspector::node_inspector(std::unique_ptr<state> st)
  : st_(std::move(st)) {
  // nop
}

// The members go in reverse order: the gateway's handle, the actor
// system, then the front.
node_inspector::~node_inspector() = default;

std::unique_ptr<node_inspector>
node_inspector::connect(const host_config& cfg, const std::string& node) {
  // The same rules as a remote pool's node: loopback, or mutual TLS.
  remote_pool_config target;
  target.name = "inspect";
  target.node = node;
  std::vector<config_error> problems;
  checker check{problems};
  validate_remote_pool(check, target, cfg.cluster, "");
  if (!problems.empty())
    return refuse(node, problems.front().key + ": "
                          + problems.front().problem);
  auto st = std::make_unique<state>();
  st->node = node;
  st->timeout = target.connect_timeout;
  if (cfg.cluster.tls) {
    auto front = tls_front::start(*cfg.cluster.tls);
    if (auto* err = std::get_if<std::string>(&front))
      return refuse(node, *err);
    st->front = std::get<std::shared_ptr<tls_front>>(front);
  }
  auto route = route_to(target, cfg.cluster, st->front);
  if (!route.unusable.empty())
    return refuse(node, route.unusable);
  st->sys_cfg = std::make_unique<caf::actor_system_config>();
  snakepit::prepare(*st->sys_cfg);
  prepare_middleman(*st->sys_cfg, cfg.cluster);
  st->sys = std::make_unique<caf::actor_system>(*st->sys_cfg);
  auto& sys = *st->sys;
  caf::scoped_actor self{sys};
  std::string problem;
  auto expected = sys.message_types<node_actor>();
  self
    ->request(sys.middleman().actor_handle(), st->timeout,
              caf::connect_atom::value, route.host, route.port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& ptr,
          const std::set<std::string>& ifs) {
        if (!ptr)
          problem = "publishes no Snakepit host";
        else if (!std::includes(ifs.begin(), ifs.end(), expected.begin(),
                                expected.end()))
          problem = "is not a Snakepit host of this version";
        else
          st->gateway = caf::actor_cast<node_actor>(std::move(ptr));
      },
      [&](caf::error& err) {
        problem = "cannot be reached: " + sys.render(err);
        if (route.tls_problem)
          if (auto tls = route.tls_problem(); !tls.empty())
            problem += " (mutual TLS: " + tls + ")";
      });
  if (!st->gateway)
    return refuse(node, problem);
  self->request(st->gateway, st->timeout, hello_atom::value, cluster_protocol)
    .receive([&](uint32_t protocol) { problem = protocol_problem(protocol); },
             [&](caf::error& err) {
               problem = "did not answer hello: " + sys.render(err);
             });
  if (!problem.empty())
    return refuse(node, problem);
  return std::unique_ptr<node_inspector>{new node_inspector{std::move(st)}};
}

bool node_inspector::print(const inspect_options& opts) {
  caf::scoped_actor self{*st_->sys};
  std::vector<pool_snapshot> pools;
  std::string problem;
  // Each pool answers within the gateway's own bound; this one covers it.
  self->request(st_->gateway, st_->timeout + std::chrono::seconds{10},
                inspect_atom::value)
    .receive([&](std::vector<pool_snapshot>& got) { pools = std::move(got); },
             [&](caf::error& err) { problem = st_->sys->render(err); });
  if (!problem.empty()) {
    std::cerr << "snakepit inspect --node " << st_->node
              << ": did not answer: " << problem << '\n';
    return false;
  }
  if (!opts.pool.empty())
    pools.erase(std::remove_if(pools.begin(), pools.end(),
                               [&](const pool_snapshot& p) {
                                 return p.name != opts.pool;
                               }),
                pools.end());
  if (opts.format == "json") {
    std::cout << nlohmann::json(pools).dump(2) << std::endl;
    return true;
  }
  for (const auto& p : pools)
    std::cout << render_pool(p, nlohmann::json{}) << '\n';
  std::cout.flush();
  return true;
}

} // namespace snakepit::cli
