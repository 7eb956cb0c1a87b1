#pragma once

// An actor system for the telemetry tests, a way to wait until a
// subscriber has handled everything published so far, and workers for the
// gauges of a pool snapshot.

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <snakepit/snapshots.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

// A worker of a pool snapshot with what the gauges read.
inline snakepit::worker_snapshot gauged_worker(std::string id, int slots,
                                               int busy, uint64_t pss_bytes) {
  snakepit::worker_snapshot w;
  w.id = std::move(id);
  w.info.slots = slots;
  w.busy = busy;
  w.memory.pss_bytes = pss_bytes;
  return w;
}

struct system_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;

  system_fixture() : sys(prepare(cfg)) {
  }

  static caf::actor_system_config& prepare(caf::actor_system_config& c) {
    snakepit::telemetry::register_types(c);
    c.set("scheduler.max-threads", 2);
    return c;
  }

  // Returns once `who` handled every message enqueued before this call.
  void sync(const caf::actor& who) {
    caf::scoped_actor self{sys};
    bool done = false;
    using snakepit::telemetry::sync_atom;
    self->request(who, std::chrono::seconds{10}, sync_atom::value)
      .receive([&](sync_atom) { done = true; },
               [&](caf::error& err) { FAIL(sys.render(err)); });
    REQUIRE(done);
  }

  // Waits (10 s at most) until the bus counts `n` subscribers in total and
  // `on_snapshots` for snapshots. A dying actor sends its down_msg before or
  // after the bus's exit hook drops it: CAF runs exit hooks newest first.
  static bool subscribers_become(std::size_t n, std::size_t on_snapshots) {
    using namespace snakepit::telemetry;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (subscriber_count() != n
           || subscriber_count(topic::snapshots) != on_snapshots) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    return true;
  }

  // Stops `who` and waits until it is gone.
  void stop(const caf::actor& who) {
    caf::scoped_actor self{sys};
    self->monitor(who);
    self->send_exit(who, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {},
                  caf::after(std::chrono::seconds{10})
                    >> [] { FAIL("no down_msg"); });
  }
};

// One event of each kind, built by the helpers.
inline std::vector<snakepit::telemetry::event> one_of_each() {
  using namespace snakepit::telemetry;
  using namespace std::chrono_literals;
  return {
    make_worker_started("default", "default/w1", 4242, "process", 1, 180ms),
    make_worker_recycled("default", "default/w1", recycle_reason::ttl, 3600s,
                         1200, 52428800),
    make_health_check_failed("default", "default/w2", 2, "timeout"),
    make_pool_saturated("default", 100, 100, 0, 4),
    make_capacity_reached("default", "default/w3", 8, 8),
    make_request_executed("default", "default/w3", "add", true, 2500us,
                          500us),
    make_memory_over_limit("default", "default/w4", 314572800, 209715200),
    make_pool_failed("default", "pool default failed: ImportError", 1s),
    make_pool_recovered("default", "probe", 7s, 3),
    make_session_created("default", "s1", "default/w1"),
    make_session_expired("default", "s1", "default/w1", 3600s),
    make_session_lost("default", "s2", "default/w2", "worker crashed"),
    make_session_moved("default", "s3", "default/w1", "default/w3", 42, 3ms),
  };
}
