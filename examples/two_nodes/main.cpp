// Two hosts on loopback, and a pool group spanning both.
//
// Host "b" serves its pool "default" to other hosts (`[cluster] listen`).
// Host "a" has a pool of its own ("local"), reaches b's pool as the remote
// pool "far" (`[[remote_pools]]`), and serves both as one under the name
// "both" (`[[pool_groups]]`, least_loaded). A batch of sleep-bound calls to
// "both" goes to whichever member has the most free capacity; each reply
// names the worker that served it ("local/w1" on a, "default/w2" on b), so
// the tally shows the group spreading the load over the two hosts.
//
// Both hosts run in this process here to keep the example short; in
// production each is its own process on its own machine, with
// `[cluster.tls]` (docs/distribution.md). The same set-up with the CLI:
//   snakepit run -c examples/two_nodes/node_b.toml
//   snakepit exec -c examples/two_nodes/node_a.toml --pool both ping
//
// Run: build/bin/example_two_nodes

#include <spdlog/spdlog.h>

#include <future>
#include <iostream>
#include <map>
#include <vector>

#include <snakepit/snakepit.hpp>

int main() {
  using namespace snakepit;
  spdlog::set_level(spdlog::level::warn);

  // Host b: serves its pools on a free loopback port.
  host_config b_cfg;
  b_cfg.cluster.listen = "127.0.0.1:0";
  b_cfg.pools.emplace_back(); // "default", 2 workers
  auto b = host::start(b_cfg);
  if (!b) {
    std::cerr << "host b: " << b.error().message << '\n';
    return 1;
  }

  // Host a: its own pool, b's pool as "far", and the group of both.
  host_config a_cfg;
  a_cfg.pools.emplace_back();
  a_cfg.pools.back().name = "local";
  remote_pool_config far;
  far.name = "far";
  far.node = "127.0.0.1:" + std::to_string((*b)->cluster_port());
  a_cfg.remote_pools.push_back(far);
  pool_group_config both;
  both.name = "both";
  both.members = {"local", "far"};
  a_cfg.pool_groups.push_back(both);
  auto a = host::start(a_cfg);
  if (!a) {
    std::cerr << "host a: " << a.error().message << '\n';
    return 1;
  }
  for (const auto& s : (*a)->await_ready())
    if (s.failed.code != error_code::none) {
      std::cerr << s.name << ": " << s.failed.message << '\n';
      return 1;
    }

  // 40 calls of 50 ms, 8 at a time: more than either pool's 2 workers.
  auto& client = (*a)->client();
  std::map<std::string, int> served_by;
  for (int wave = 0; wave < 5; ++wave) {
    std::vector<std::future<result<execute_output>>> calls;
    for (int i = 0; i < 8; ++i)
      calls.push_back(std::async(std::launch::async, [&client] {
        return client.execute("both", "sleep", R"({"ms": 50})");
      }));
    for (auto& call : calls) {
      auto reply = call.get();
      if (!reply) {
        std::cerr << "call failed: " << reply.error().message << '\n';
        return 1;
      }
      ++served_by[reply->worker];
    }
  }
  std::cout << "40 calls to the group \"both\", served by:\n";
  int on_a = 0;
  int on_b = 0;
  for (const auto& [worker, n] : served_by) {
    bool local = worker.rfind("local/", 0) == 0;
    std::cout << "  " << worker << (local ? " (host a)" : " (host b)")
              << ": " << n << '\n';
    (local ? on_a : on_b) += n;
  }
  std::cout << "host a: " << on_a << ", host b: " << on_b << '\n';
  (*a)->stop();
  (*b)->stop();
  // The group used both hosts.
  return on_a > 0 && on_b > 0 ? 0 : 1;
}
