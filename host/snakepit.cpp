#include <snakepit/snakepit.hpp>

#include <caf/all.hpp>

#include <snakepit/errors.hpp>
#include <snakepit/supervision.hpp>

#include "cluster/pool_group.hpp"
#include "cluster/remote_pool.hpp"
#include "supervisors/host_supervisor.hpp"

namespace snakepit {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<execute_request>("snakepit::execute_request");
  cfg.add_message_type<execute_reply>("snakepit::execute_reply");
  cfg.add_message_type<failure>("snakepit::failure");
  cfg.add_message_type<worker_info>("snakepit::worker_info");
  cfg.add_message_type<worker_snapshot>("snakepit::worker_snapshot");
  cfg.add_message_type<std::vector<worker_snapshot>>(
    "std::vector<snakepit::worker_snapshot>");
  cfg.add_message_type<pool_snapshot>("snakepit::pool_snapshot");
  cfg.add_message_type<recycle_ack>("snakepit::recycle_ack");
  cfg.add_message_type<restart_ack>("snakepit::restart_ack");
  cfg.add_message_type<stream_opened>("snakepit::stream_opened");
  cfg.add_message_type<stream_chunk>("snakepit::stream_chunk");
  cfg.add_message_type<std::vector<pool_snapshot>>(
    "std::vector<snakepit::pool_snapshot>");
  // The handle a host's gateway answers to other hosts (cluster/).
  cfg.add_message_type<pool_actor>("snakepit::pool_actor");
  cfg.add_error_category(
    error_category,
    [](uint8_t code, caf::atom_value, const caf::message& ctx) {
      failure f;
      f.code = static_cast<error_code>(code);
      if (ctx.match_elements<std::string, std::string, std::string>()) {
        f.message = ctx.get_as<std::string>(0);
        f.python_type = ctx.get_as<std::string>(1);
      }
      auto text = to_string(f.code) + ": " + f.message;
      if (!f.python_type.empty())
        text += " (" + f.python_type + ")";
      return text;
    });
}

void tune_for_latency(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("sharing"));
}

host_actor spawn_host(caf::actor_system& sys, const host_config& cfg,
                      const std::shared_ptr<runtime>& rt) {
  supervisor_flags flags;
  flags.name = "host";
  std::vector<child_spec> children;
  for (const auto& pool : cfg.pools) {
    child_spec spec;
    spec.id = pool.name;
    spec.shutdown_timeout = pool.shutdown_timeout + std::chrono::seconds{5};
    spec.start = [pool, env = rt->env()](caf::local_actor* sup) {
      return caf::actor_cast<caf::actor>(spawn_pool(sup, pool, env));
    };
    children.push_back(std::move(spec));
  }
  for (const auto& remote : cfg.remote_pools) {
    child_spec spec;
    spec.id = remote.name;
    spec.start = [remote, route = route_to(remote, cfg.cluster, rt->tls())](
                   caf::local_actor* sup) {
      return caf::actor_cast<caf::actor>(
        spawn_remote_pool(sup, remote, route));
    };
    children.push_back(std::move(spec));
  }
  // After their members: a group finds them through this supervisor.
  for (const auto& group : cfg.pool_groups) {
    child_spec spec;
    spec.id = group.name;
    spec.start = [group](caf::local_actor* sup) {
      return caf::actor_cast<caf::actor>(spawn_pool_group(sup, group));
    };
    children.push_back(std::move(spec));
  }
  return spawn_host_supervisor(sys, std::move(flags), std::move(children));
}

} // namespace snakepit
