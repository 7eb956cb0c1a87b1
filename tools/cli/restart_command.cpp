#include <iostream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "live_host.hpp"

namespace snakepit::cli {

int restart_command(const common_options& opts, const restart_options& r) {
  auto cfg = prepare(opts.config_path, opts.log_level);
  if (!cfg)
    return 2;
  nlohmann::json request{{"op", "restart"}, {"pool", r.pool}};
  auto reply = call_live_host(*cfg, live_host_options{r.run_id}, request);
  if (!reply)
    return 1;
  if (!reply->value("restarted", false)) {
    std::cout << "pool " << r.pool
              << " has not failed: nothing restarted (`snakepit recycle` "
                 "replaces the workers of a serving pool)\n";
    return 0;
  }
  std::cout << "pool " << r.pool << ": restarting all its workers (it had "
            << "failed: "
            << reply->value("previous_failure", std::string{}) << ")\n"
            << "(reported as snakepit.pool.recovered, trigger manual; "
               "`snakepit inspect` shows them starting)\n";
  return 0;
}

} // namespace snakepit::cli
