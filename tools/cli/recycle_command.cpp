#include <iostream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "live_host.hpp"

namespace snakepit::cli {

int recycle_command(const common_options& opts, const recycle_options& r) {
  auto cfg = prepare(opts.config_path, opts.log_level);
  if (!cfg)
    return 2;
  nlohmann::json request{{"op", "recycle"}, {"pool", r.pool}};
  if (!r.worker.empty())
    request["worker"] = r.worker;
  auto reply = call_live_host(*cfg, live_host_options{r.run_id}, request);
  if (!reply)
    return 1;
  const auto& workers = (*reply)["workers"];
  std::cout << "pool " << r.pool << ": recycling " << workers.size()
            << " worker(s), make-before-break:";
  for (const auto& id : workers)
    std::cout << ' ' << id.get<std::string>();
  std::cout << "\n(each is reported as snakepit.worker.recycled, reason "
               "manual, once its replacement serves)\n";
  return 0;
}

} // namespace snakepit::cli
