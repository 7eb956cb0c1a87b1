// A service with recycling configured.
//
// Long-running Python workers leak memory; the answer is to replace them on
// a schedule, make-before-break: the replacement starts and becomes ready
// before the old worker stops taking requests, and the old one finishes the
// calls it has before it stops. Nothing is dropped.
//
// This pool of two workers is replaced after every ~40 requests
// (`worker_max_requests`, with 10% jitter so the two never come due
// together), after 10 minutes (`worker_ttl`) or when a worker's Python
// process passes 300 MiB of PSS (`memory_threshold_mb`), whichever comes
// first. Four threads send 400 requests; every recycle is printed as its
// `snakepit.worker.recycled` event arrives. Then one worker is recycled by
// hand, and the program checks that no request failed.
//
// The same settings in a config file: examples/recycling.toml
// (`snakepit run -c examples/recycling.toml`, then in another shell
// `snakepit recycle -c examples/recycling.toml --pool default`).
//
// Run: build/bin/example_recycling_service

#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include <snakepit/snakepit.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

namespace tel = snakepit::telemetry;
using namespace std::chrono_literals;

int main() {
  spdlog::set_level(spdlog::level::warn);

  // 1. The pool's recycling limits; every other key keeps its default.
  auto cfg = snakepit::default_config();
  auto& pool = cfg.pools.front();
  pool.worker_max_requests = 40;
  pool.worker_ttl = 10min;
  pool.memory_threshold_mb = 300;
  pool.lifecycle_interval = 200ms; // how often the limits are checked

  auto started = snakepit::host::start(cfg);
  if (!started) {
    std::cerr << started.error().message << '\n';
    return 1;
  }
  auto& host = **started;

  // 2. Print each recycle. The callback runs on a CAF thread: keep it short.
  std::atomic<int> recycles{0};
  auto sub = tel::subscribe(host.system(), [&recycles](const tel::event& ev) {
    const auto* recycled = std::get_if<tel::worker_recycled>(&ev);
    if (recycled == nullptr)
      return;
    ++recycles;
    std::cout << "recycled " << recycled->worker << " ("
              << to_string(recycled->reason) << ") after "
              << recycled->requests << " requests, PSS "
              << recycled->memory_bytes / (1024 * 1024) << " MiB"
              << std::endl;
  });
  if (!host.await_ready().front().all_ready()) {
    std::cerr << "the pool did not start\n";
    return 1;
  }

  // 3. Steady load from four threads while workers come and go.
  std::atomic<int> failed{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto reply = host.client().execute("default", "sleep",
                                           R"({"ms": 5})");
        if (!reply.ok()) {
          ++failed;
          std::cerr << snakepit::describe(reply) << '\n';
        }
      }
    });
  for (auto& t : callers)
    t.join();

  // 4. Recycle one worker by hand: returns at once with what it scheduled;
  //    the worker goes once its replacement is ready.
  auto before = recycles.load();
  auto first = host.client().status("default")->workers.front().id;
  auto ack = host.client().recycle("default", first);
  if (!ack) {
    std::cerr << "manual recycle: " << snakepit::describe(ack.error()) << '\n';
    return 1;
  }
  std::cout << "asked to recycle " << first << std::endl;
  for (int i = 0; i < 100 && recycles == before; ++i)
    std::this_thread::sleep_for(100ms);

  auto status = host.client().status("default");
  std::cout << "400 requests, " << failed << " failed, " << recycles
            << " recycles; " << (status ? status->ready : 0)
            << " workers ready" << std::endl;
  sub.cancel();
  host.stop();
  return failed == 0 && recycles > before ? 0 : 1;
}
