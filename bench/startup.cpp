#include "bench/startup.hpp"

#include <caf/all.hpp>

#include <snakepit/snakepit.hpp>

namespace snakepit::bench {

std::variant<std::chrono::nanoseconds, std::string>
measure_startup(int size, const system_setup& setup) {
  caf::actor_system_config sys_cfg;
  prepare(sys_cfg);
  setup(sys_cfg);
  caf::actor_system sys{sys_cfg};

  auto cfg = default_config();
  auto& pool = cfg.pools.front();
  pool.name = "startup";
  pool.size = size;

  auto start = std::chrono::steady_clock::now();
  auto created = runtime::create(cfg);
  if (!created)
    return created.error().message;
  auto rt = *created;
  auto root = spawn_host(sys, cfg, rt);
  std::variant<std::chrono::nanoseconds, std::string> out;
  {
    client c{sys, root, pool.name};
    auto status = c.await_ready(pool.name, std::chrono::seconds{60});
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (!status)
      out = "pool of " + std::to_string(size)
            + " workers did not become ready within 60 s";
    else if (!status->all_ready())
      out = describe(status->failed);
    else
      out = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed);
  }
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  rt->shutdown();
  return out;
}

} // namespace snakepit::bench
