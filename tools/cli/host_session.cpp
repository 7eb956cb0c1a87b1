#include "host_session.hpp"

#include <caf/all.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

namespace snakepit::cli {

std::variant<std::unique_ptr<host_session>, std::string>
host_session::start(host_config cfg) {
  auto rt = runtime::create(cfg);
  if (auto* err = std::get_if<std::string>(&rt))
    return *err;
  std::unique_ptr<host_session> s{new host_session};
  s->cfg_ = std::move(cfg);
  s->rt_ = std::get<std::shared_ptr<runtime>>(rt);
  s->sys_cfg_ = std::make_unique<caf::actor_system_config>();
  register_types(*s->sys_cfg_);
  s->sys_ = std::make_unique<caf::actor_system>(*s->sys_cfg_);
  s->root_ = spawn_host(*s->sys_, s->cfg_, s->rt_);
  s->client_ = std::make_unique<snakepit::client>(
    *s->sys_, s->root_, s->cfg_.pools.front().name);
  return s;
}

host_session::~host_session() {
  stop();
}

std::vector<pool_status> host_session::await_ready() {
  std::vector<pool_status> out;
  for (const auto& pool : cfg_.pools) {
    // Workers start in waves of `startup_concurrency`, each wave bounded by
    // the start-up timeout; restarts may add a few more waves.
    auto waves = (pool.size + pool.startup_concurrency - 1)
                 / pool.startup_concurrency;
    auto bound = pool.startup_timeout * (waves + pool.max_restarts + 1);
    if (auto s = client_->await_ready(pool.name, bound)) {
      out.push_back(std::move(*s));
    } else {
      pool_status missing;
      missing.name = pool.name;
      missing.failed = make_failure(error_code::pool_failed,
                                    "pool " + pool.name
                                      + " did not become ready in time");
      out.push_back(std::move(missing));
    }
  }
  return out;
}

void host_session::stop() {
  if (!sys_)
    return;
  client_.reset();
  caf::anon_send_exit(root_, caf::exit_reason::user_shutdown);
  root_ = nullptr;
  sys_->await_all_actors_done();
  sys_.reset();
  rt_->shutdown();
  rt_.reset();
}

std::optional<host_config> prepare(const std::string& config_path,
                                   const std::string& log_level) {
  std::optional<host_config> cfg = default_config();
  if (!config_path.empty()) {
    auto result = load_config_file(config_path);
    for (const auto& err : result.errors)
      std::cerr << to_string(err) << '\n';
    cfg = std::move(result.config);
  }
  if (!cfg)
    return std::nullopt;
  const auto& level = log_level.empty() ? cfg->log_level : log_level;
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    std::cerr << "unknown log level '" << level
              << "' (use trace, debug, info, warn, error or off)\n";
    return std::nullopt;
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("snakepit"));
  spdlog::set_level(lvl);
  spdlog::set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
  return cfg;
}

std::string describe_pool(const pool_status& s) {
  if (s.failed.code != error_code::none)
    return "pool " + s.name + ": FAILED: " + describe(s.failed);
  std::string text = "pool " + s.name + ": " + s.profile + " profile, "
                     + std::to_string(s.ready) + "/" + std::to_string(s.size)
                     + " workers ready, " + std::to_string(s.total_slots)
                     + " slots";
  if (!s.workers.empty()) {
    const auto& info = s.workers.front().info;
    text += ", " + info.implementation + " " + info.python_version + " ("
            + info.executable + ", GIL "
            + (info.gil_enabled ? "enabled" : "disabled") + ")";
  }
  return text;
}

} // namespace snakepit::cli
