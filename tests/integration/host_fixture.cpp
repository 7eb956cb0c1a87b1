#include "host_fixture.hpp"

#include <caf/all.hpp>

#include <future>
#include <stdexcept>

#include "bridge/channel.hpp"

namespace snakepit::it {

host_config make_config(const std::string& run_base, int size) {
  auto cfg = default_config();
  cfg.run_dir = run_base;
  auto& pool = cfg.pools.at(0);
  pool.name = "default";
  pool.size = size;
  pool.startup_timeout = std::chrono::seconds{10};
  pool.queue_timeout = std::chrono::seconds{10};
  pool.request_timeout = std::chrono::seconds{10};
  pool.shutdown_timeout = std::chrono::seconds{2};
  pool.max_restarts = 3;
  pool.restart_backoff = std::chrono::milliseconds{50};
  pool.restart_backoff_max = std::chrono::milliseconds{200};
  return cfg;
}

grpc_guard::grpc_guard() {
  // A channel only takes a reference to the callback queue once it made a
  // callback call: ping a socket that does not exist, wait for the answer.
  auto ch = bridge::make_grpc_channel("unix:/nonexistent/snakepit-it-guard.sock");
  auto done = std::make_shared<std::promise<void>>();
  auto answered = done->get_future();
  ch->ping(std::chrono::seconds{5}, [done](std::string) { done->set_value(); });
  answered.wait();
  channel_ = std::move(ch);
}

grpc_guard::~grpc_guard() = default;

host_fixture::host_fixture(host_config cfg, guard_grpc guard)
  : cfg_(std::move(cfg)) {
  if (guard == guard_grpc::yes)
    guard_ = std::make_unique<grpc_guard>();
  if (auto errors = validate(cfg_); !errors.empty())
    throw std::runtime_error("invalid test config: " + to_string(errors[0]));
  auto rt = runtime::create(cfg_);
  if (auto* err = std::get_if<std::string>(&rt))
    throw std::runtime_error("runtime::create failed: " + *err);
  rt_ = std::get<std::shared_ptr<runtime>>(rt);
  run_id_ = rt_->env()->run_id;
  run_path_ = rt_->env()->run_path;
  sys_cfg_ = std::make_unique<caf::actor_system_config>();
  register_types(*sys_cfg_);
  sys_ = std::make_unique<caf::actor_system>(*sys_cfg_);
  root_ = spawn_host(*sys_, cfg_, rt_);
  client_ = std::make_unique<snakepit::client>(*sys_, root_,
                                               cfg_.pools.front().name);
}

host_fixture::~host_fixture() {
  stop();
}

pool_status host_fixture::await_ready(std::string pool,
                                      std::chrono::milliseconds timeout) {
  if (pool.empty())
    pool = cfg_.pools.front().name;
  auto s = client_->await_ready(pool, timeout);
  if (!s)
    throw std::runtime_error("pool " + pool + " did not settle within "
                             + std::to_string(timeout.count()) + " ms");
  return std::move(*s);
}

pool_status host_fixture::status(std::string pool) {
  if (pool.empty())
    pool = cfg_.pools.front().name;
  auto s = client_->status(pool);
  if (!s)
    throw std::runtime_error("no status of pool " + pool);
  return std::move(*s);
}

execute_reply host_fixture::exec(const std::string& command,
                                 const std::string& args_json) {
  return client_->execute(cfg_.pools.front().name, command, args_json);
}

void host_fixture::stop() {
  if (!sys_)
    return;
  // The client stays usable until every actor is gone, so that calls still
  // running on other threads of a test get their replies; it only holds
  // handles, which do not keep actors running.
  caf::anon_send_exit(root_, caf::exit_reason::user_shutdown);
  sys_->await_all_actors_done();
  client_.reset();
  root_ = nullptr;
  sys_.reset();
  sys_cfg_.reset();
  rt_->shutdown();
  rt_.reset();
}

} // namespace snakepit::it
