// The socket-path and spawn-rate rules with made-up paths and timings.

#include "diagnostics/socket_rule.hpp"
#include "diagnostics/spawn_rule.hpp"

#include "test_support.hpp"

using namespace snakepit;
using namespace snakepit::diagnostics;
using namespace snakepit::diagnostics::test;

namespace {

demand of(std::vector<pool_demand> pools) {
  demand d;
  d.pools = std::move(pools);
  return d;
}

/// 4 workers ready in 1 s (4 workers/s), 0.5 s each; 0.2 s alone.
spawn_facts measured() {
  spawn_facts f;
  f.workers = 4;
  f.seconds = 1.0;
  f.mean_startup_seconds = 0.5;
  f.cold_start_seconds = 0.2;
  f.cores = 2;
  return f;
}

} // namespace

TEST_CASE("longest_socket_path follows the worker's naming",
          "[diagnostics][rules]") {
  auto need = of({pool("a", 2), pool("longer-name", 100)});
  CHECK(longest_socket_path("/tmp/snakepit-0", need)
        == "/tmp/snakepit-0/xxxxxxxxxxxx/w100-longer-name.sock");
}

TEST_CASE("socket path: ok, warning near the limit, critical over it",
          "[diagnostics][rules]") {
  auto need = of({pool("default", 2)});
  // "/<12>/w2-default.sock" is 1 + 12 + 16 = 29 bytes after the base.
  auto ok = check_socket_path("/tmp/snakepit-0", need);
  CHECK(ok.name == "socket_path");
  CHECK(ok.status == status::ok);
  CHECK(int_value(ok, "length") == 15 + 29);
  CHECK(int_value(ok, "headroom_bytes") == 107 - 44);
  CHECK(int_value(ok, "limit") == 107);

  auto near = check_socket_path("/" + std::string(107 - 29 - 1 - 3, 'r'),
                                need);
  CHECK(int_value(near, "headroom_bytes") == 3);
  CHECK(near.status == status::warning);
  CHECK(contains(near.advice, "grow"));

  auto exact = check_socket_path("/" + std::string(107 - 29 - 1, 'r'), need);
  CHECK(int_value(exact, "headroom_bytes") == 0);
  CHECK(exact.status == status::warning);

  auto over = check_socket_path("/" + std::string(107 - 29, 'r'), need);
  CHECK(int_value(over, "headroom_bytes") == -1);
  CHECK(over.status == status::critical);
  CHECK(contains(over.advice, "shorter run_dir"));
}

TEST_CASE("spawn rate: expected start-up under a pool's concurrency",
          "[diagnostics][rules]") {
  auto f = measured();
  auto p = pool("p", 100);
  p.startup_concurrency = 8;
  // 4 at once took 0.5 s each: 8 at once take twice as long.
  CHECK(expected_startup_seconds(f, p) == Approx(1.0));
  // A single worker cannot start faster than one alone.
  CHECK(expected_startup_seconds(f, pool("one", 1)) == Approx(0.2));
}

TEST_CASE("spawn rate: ok reports the rate and each pool",
          "[diagnostics][rules]") {
  auto f = check_spawn_rate(measured(), of({pool("default", 2)}));
  CHECK(f.name == "spawn_rate");
  CHECK(f.status == status::ok);
  CHECK(contains(f.summary, "4 workers/s"));
  CHECK(contains(f.advice, "pool default (2 workers"));
  CHECK(contains(f.advice, "cores (2)"));
}

TEST_CASE("spawn rate: warning past half the start-up timeout, critical "
          "past it",
          "[diagnostics][rules]") {
  auto slow = pool("big", 200);
  slow.startup_concurrency = 128;
  // 128 at once: 0.5 s * 128 / 4 = 16 s each, 20 s allowed.
  auto warn = check_spawn_rate(measured(), of({pool("default", 2), slow}));
  CHECK(warn.status == status::warning);
  CHECK(contains(warn.advice, "lower startup_concurrency"));
  CHECK(contains(warn.advice, "pool big"));

  slow.startup_timeout = std::chrono::seconds{10};
  auto crit = check_spawn_rate(measured(), of({slow}));
  CHECK(crit.status == status::critical);
  CHECK(contains(crit.advice, "startup_timeout 10 s"));
}

TEST_CASE("spawn rate: failed or skipped measurements",
          "[diagnostics][rules]") {
  auto f = measured();
  f.not_measured = "process-profile worker: cannot import adapter";
  f.failed = true;
  auto failed = check_spawn_rate(f, of({pool("p", 1)}));
  CHECK(failed.status == status::critical);
  CHECK(contains(failed.summary, "workers did not start"));

  f.failed = false;
  auto skipped = check_spawn_rate(f, of({pool("p", 1)}));
  CHECK(skipped.status == status::warning);
  CHECK(contains(skipped.summary, "not measured"));
}
