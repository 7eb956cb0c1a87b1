#include "snakepit/host.hpp"

#include <caf/all.hpp>

#include "snakepit/snakepit.hpp"

namespace snakepit {

std::variant<std::unique_ptr<host>, std::string>
host::start(host_config cfg) {
  auto rt = snakepit::runtime::create(cfg);
  if (auto* err = std::get_if<std::string>(&rt))
    return *err;
  std::unique_ptr<host> h{new host};
  h->cfg_ = std::move(cfg);
  h->rt_ = std::get<std::shared_ptr<snakepit::runtime>>(rt);
  h->sys_cfg_ = std::make_unique<caf::actor_system_config>();
  register_types(*h->sys_cfg_);
  tune_for_latency(*h->sys_cfg_);
  h->sys_ = std::make_unique<caf::actor_system>(*h->sys_cfg_);
  h->root_ = spawn_host(*h->sys_, h->cfg_, h->rt_);
  h->client_ = std::make_unique<snakepit::client>(
    *h->sys_, h->root_, h->cfg_.pools.front().name);
  return h;
}

host::~host() {
  stop();
}

std::vector<pool_status> host::await_ready() {
  std::vector<pool_status> out;
  for (const auto& pool : cfg_.pools) {
    // Workers start in waves of `startup_concurrency`, each wave bounded by
    // the start-up timeout; restarts may add a few more waves.
    auto waves = (pool.size + pool.startup_concurrency - 1)
                 / pool.startup_concurrency;
    auto bound = pool.startup_timeout * (waves + pool.max_restarts + 1);
    if (auto s = client_->await_ready(pool.name, bound)) {
      out.push_back(std::move(*s));
      continue;
    }
    pool_status missing;
    missing.name = pool.name;
    missing.failed = make_failure(error_code::pool_failed,
                                  "pool " + pool.name
                                    + " did not become ready in time");
    out.push_back(std::move(missing));
  }
  return out;
}

void host::stop() {
  if (!sys_)
    return;
  caf::anon_send_exit(root_, caf::exit_reason::user_shutdown);
  root_ = nullptr;
  // Calls still running on other threads get their replies (shutting_down
  // at worst) before the client goes.
  sys_->await_all_actors_done();
  client_.reset();
  sys_.reset();
  rt_->shutdown();
}

} // namespace snakepit
