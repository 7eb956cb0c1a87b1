#include "host_fixture.hpp"

#include <caf/all.hpp>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include <snakepit/errors.hpp>

#include "actors/worker_environment.hpp"

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
  pool.env["PYTHONPATH"] = test_adapters_dir();
  // ctest runs the thread-profile cases on the free-threaded interpreter
  // too (tests/integration/CMakeLists.txt).
  if (const char* python = std::getenv("SNAKEPIT_TEST_PYTHON"))
    pool.python = python;
  // ctest runs the suite once per transport (tests/CMakeLists.txt).
  if (const char* name = std::getenv("SNAKEPIT_TEST_TRANSPORT")) {
    auto transport = worker_transport_from_string(name);
    if (!transport)
      throw std::invalid_argument(
        std::string{"SNAKEPIT_TEST_TRANSPORT is not native or grpc: "}
        + name);
    pool.transport = *transport;
  }
  return cfg;
}

std::vector<int> worker_pids(const pool_snapshot& st) {
  std::vector<int> out;
  for (const auto& w : st.workers)
    out.push_back(w.info.pid);
  return out;
}

bool uses_fork_server(const pool_config& pool) {
  return pool.fork_server && pool.transport == worker_transport::native;
}

// -- captured_log -------------------------------------------------------------

class captured_log::sink : public spdlog::sinks::base_sink<std::mutex> {
public:
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> guard{mutex_};
    return lines_;
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    auto level = spdlog::level::to_string_view(msg.level);
    std::string line = "[";
    line.append(level.data(), level.size());
    line += "] ";
    line.append(msg.payload.data(), msg.payload.size());
    lines_.push_back(std::move(line));
  }
  void flush_() override {
  }

private:
  std::vector<std::string> lines_;
};

captured_log::captured_log()
  : previous_(spdlog::default_logger()), sink_(std::make_shared<sink>()) {
  auto logger = std::make_shared<spdlog::logger>("it-capture", sink_);
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

captured_log::~captured_log() {
  spdlog::set_default_logger(previous_);
}

std::vector<std::string> captured_log::lines() const {
  return sink_->lines();
}

std::string captured_log::text() const {
  std::string out;
  for (const auto& line : lines())
    out += line + "\n";
  return out;
}

std::vector<std::string>
captured_log::matching(std::initializer_list<std::string_view> needles) const {
  std::vector<std::string> out;
  for (auto& line : lines()) {
    bool all = true;
    for (auto needle : needles)
      all = all && line.find(needle) != std::string::npos;
    if (all)
      out.push_back(std::move(line));
  }
  return out;
}

// -- host_fixture -------------------------------------------------------------

host_fixture::host_fixture(host_config cfg, tool_offer offer)
  : cfg_(std::move(cfg)) {
  if (auto valid = validate(cfg_); !valid)
    throw std::runtime_error("invalid test config: " + valid.error().message);
  auto rt = runtime::create(cfg_);
  if (!rt)
    throw std::runtime_error("runtime::create failed: " + rt.error().message);
  rt_ = *rt;
  run_id_ = rt_->env()->run_id;
  run_path_ = rt_->env()->run_path;
  sys_cfg_ = std::make_unique<caf::actor_system_config>();
  register_types(*sys_cfg_);
  sys_ = std::make_unique<caf::actor_system>(*sys_cfg_);
  if (offer)
    offer(*sys_, rt_->host_tools());
  root_ = spawn_host(*sys_, cfg_, rt_);
  client_ = std::make_unique<snakepit::client>(*sys_, root_,
                                               cfg_.pools.front().name);
}

host_fixture::~host_fixture() {
  stop();
}

pool_snapshot host_fixture::await_ready(std::string pool,
                                      std::chrono::milliseconds timeout) {
  if (pool.empty())
    pool = cfg_.pools.front().name;
  auto s = client_->await_ready(pool, timeout);
  if (!s)
    throw std::runtime_error("pool " + pool + " did not settle within "
                             + std::to_string(timeout.count()) + " ms");
  return std::move(*s);
}

pool_snapshot host_fixture::status(std::string pool) {
  if (pool.empty())
    pool = cfg_.pools.front().name;
  auto s = client_->status(pool);
  if (!s)
    throw std::runtime_error("no status of pool " + pool);
  return std::move(*s);
}

int host_fixture::worker_pid(const std::string& worker_id, std::string pool) {
  for (const auto& w : status(std::move(pool)).workers)
    if (w.id == worker_id)
      return w.info.pid;
  return 0;
}

snakepit::pool_actor host_fixture::pool_handle(const std::string& pool) {
  caf::scoped_actor self{*sys_};
  snakepit::pool_actor found;
  std::string why = "pool " + pool + " is not running";
  self->request(root_, std::chrono::seconds{10}, lookup_atom::value, pool)
    .receive([&](snakepit::pool_actor& a) { found = std::move(a); },
             [&](caf::error& err) { why = describe(from_caf_error(err)); });
  if (!found)
    throw std::runtime_error(why);
  return found;
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
