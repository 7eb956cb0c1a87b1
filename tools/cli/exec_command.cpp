#include <iostream>

#include "commands.hpp"
#include "core/duration.hpp"
#include "cli_support.hpp"

namespace snakepit::cli {

namespace {

/// Keeps only the pool the request names: exec starts nothing else.
bool select_pool(host_config& cfg, const std::string& name) {
  if (name.empty()) {
    cfg.pools.resize(1);
    return true;
  }
  for (auto& pool : cfg.pools)
    if (pool.name == name) {
      auto chosen = pool;
      cfg.pools = {std::move(chosen)};
      return true;
    }
  return false;
}

} // namespace

int exec_command(const common_options& opts, const exec_options& exec) {
  auto cfg = prepare(opts.config_path, opts.log_level);
  if (!cfg)
    return 2;
  execute_request req;
  req.command = exec.command;
  req.args_json = exec.args_json;
  req.idempotent = exec.idempotent;
  if (!exec.timeout.empty()) {
    auto timeout = parse_duration(exec.timeout);
    if (!timeout || timeout->count() <= 0) {
      std::cerr << "--timeout: '" << exec.timeout
                << "' is not a duration (use e.g. 500ms, 30s, 1h)\n";
      return 2;
    }
    req.timeout = *timeout;
  }
  if (!select_pool(*cfg, exec.pool)) {
    std::cerr << describe(make_failure(error_code::pool_not_found,
                                       "no pool named '" + exec.pool
                                         + "' in the config"))
              << '\n';
    return 1;
  }
  req.pool = cfg->pools.front().name;
  // Short-lived: no admin socket, no metrics endpoint (host_options).
  auto started = snakepit::host::start(*cfg, host_options{false});
  if (!started) {
    std::cerr << started.error().message << '\n';
    return 2;
  }
  auto& host = **started;
  auto status = host.await_ready();
  if (status.front().failed.code != error_code::none) {
    std::cerr << describe(status.front().failed) << '\n';
    return 1;
  }
  auto reply = host.client().execute(std::move(req));
  // Answer first, then stop the pool (which takes a few milliseconds).
  if (reply.ok())
    std::cout << reply->result_json << std::endl;
  else
    std::cerr << describe(reply) << std::endl;
  host.stop();
  return reply.ok() ? 0 : 1;
}

} // namespace snakepit::cli
