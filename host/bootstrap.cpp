#include <snakepit/bootstrap.hpp>

#include <caf/all.hpp>

#include <snakepit/snakepit.hpp>

#include "cluster/cluster.hpp"

namespace snakepit {

void prepare(caf::actor_system_config& cfg) {
  register_types(cfg);
  telemetry::register_types(cfg);
  tune_for_latency(cfg);
}

environment::~environment() {
  // Waits for every actor (the pools stop their workers), then stops what
  // is left.
  sys_.reset();
  rt_->shutdown();
}

result<std::unique_ptr<environment>>
bootstrap(host_config cfg,
          const std::function<void(caf::actor_system_config&)>& configure) {
  auto rt = runtime::create(cfg);
  if (!rt)
    return std::move(rt).error();
  std::unique_ptr<environment> env{new environment};
  env->cfg_ = std::move(cfg);
  env->rt_ = std::move(*rt);
  env->sys_cfg_ = std::make_unique<caf::actor_system_config>();
  prepare(*env->sys_cfg_);
  if (needs_middleman(env->cfg_))
    prepare_middleman(*env->sys_cfg_, env->cfg_.cluster);
  if (configure)
    configure(*env->sys_cfg_);
  env->sys_ = std::make_unique<caf::actor_system>(*env->sys_cfg_);
  return result<std::unique_ptr<environment>>{std::move(env)};
}

} // namespace snakepit
