#include "diagnostics/demand.hpp"

namespace snakepit::diagnostics {

int demand::workers() const {
  int n = 0;
  for (const auto& p : pools)
    n += p.size;
  return n;
}

int demand::workers(worker_profile profile) const {
  int n = 0;
  for (const auto& p : pools)
    if (p.profile == profile)
      n += p.size;
  return n;
}

demand demand_of(const host_config& cfg) {
  demand out;
  for (const auto& pool : cfg.pools) {
    pool_demand d;
    d.name = pool.name;
    d.profile = pool.profile;
    d.size = pool.size;
    d.slots = pool.profile == worker_profile::thread ? pool.threads_per_worker
                                                     : 1;
    d.python = pool.python;
    d.startup_concurrency = pool.startup_concurrency;
    d.startup_timeout = pool.startup_timeout;
    out.pools.push_back(std::move(d));
  }
  return out;
}

} // namespace snakepit::diagnostics
