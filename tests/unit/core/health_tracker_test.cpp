#include "core/health_tracker.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace snakepit;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const time_point t0{};

time_point at(int64_t ms) {
  return t0 + milliseconds{ms};
}

// interval 5 s, timeout 2 s, 3 misses.
health_tracker make() {
  return health_tracker{health_settings{seconds{5}, seconds{2}, 3}};
}

using keys = std::vector<worker_key>;

} // namespace

TEST_CASE("health_tracker probes every interval", "[health_tracker]") {
  auto h = make();
  REQUIRE(h.add_worker(1, t0));
  CHECK(h.next_probe(1) == at(5000));
  CHECK(h.probes_due(at(4999)).empty());
  CHECK(h.probes_due(at(5000)) == keys{1});
  CHECK(h.probe_outstanding(1));
  // No second probe while one is outstanding.
  CHECK(h.probes_due(at(5500)).empty());
  REQUIRE(h.probe_succeeded(1, at(5100)));
  CHECK_FALSE(h.probe_outstanding(1));
  CHECK(h.next_probe(1) == at(10'100));
  CHECK(h.probes_due(at(10'099)).empty());
  CHECK(h.probes_due(at(10'100)) == keys{1});
}

TEST_CASE("health_tracker: probes of several workers, earliest first",
          "[health_tracker]") {
  auto h = make();
  h.add_worker(1, at(300));
  h.add_worker(2, at(100));
  h.add_worker(3, at(200));
  CHECK(h.probes_due(at(5250)) == keys{2, 3});
  CHECK(h.probes_due(at(5300)) == keys{1});
}

TEST_CASE("health_tracker: a success resets the misses",
          "[health_tracker]") {
  auto h = make();
  h.add_worker(1, t0);
  h.probes_due(at(5000));
  auto v = h.probe_failed(1, at(5010), "connection refused");
  REQUIRE(v);
  CHECK(v->key == 1);
  CHECK(v->misses == 1);
  CHECK_FALSE(v->unhealthy);
  CHECK(v->reason == "connection refused");
  CHECK(h.next_probe(1) == at(10'010));
  h.probes_due(at(10'010));
  CHECK(h.probe_failed(1, at(10'020), "boom")->misses == 2);
  h.probes_due(at(15'020));
  REQUIRE(h.probe_succeeded(1, at(15'030)));
  CHECK(h.misses(1) == 0);
  // Two more misses are not enough after the reset.
  h.probes_due(at(20'030));
  CHECK(h.probe_failed(1, at(20'040), "x")->misses == 1);
  h.probes_due(at(25'040));
  auto w = h.probe_failed(1, at(25'050), "x");
  CHECK(w->misses == 2);
  CHECK_FALSE(w->unhealthy);
  CHECK_FALSE(h.unhealthy(1));
}

TEST_CASE("health_tracker: three timeouts in a row make a worker "
          "unhealthy, once",
          "[health_tracker]") {
  auto h = make();
  h.add_worker(1, t0);
  h.add_worker(2, t0);
  int unhealthy_reports = 0;
  auto now = at(0);
  for (int round = 1; round <= 3; ++round) {
    now = *h.next_probe(1);
    auto sent = h.probes_due(now);
    std::sort(sent.begin(), sent.end());
    // Worker 2 answers at once; worker 1 never does.
    CHECK(sent == keys{1, 2});
    h.probe_succeeded(2, now);
    CHECK(h.next_event() == now + seconds{2});
    CHECK(h.timed_out(now + milliseconds{1999}).empty());
    auto out = h.timed_out(now + seconds{2});
    REQUIRE(out.size() == 1);
    CHECK(out[0].key == 1);
    CHECK(out[0].misses == round);
    CHECK(out[0].reason == "timeout");
    CHECK(out[0].unhealthy == (round == 3));
    if (out[0].unhealthy)
      ++unhealthy_reports;
    now += seconds{2};
  }
  CHECK(unhealthy_reports == 1);
  CHECK(h.unhealthy(1));
  CHECK_FALSE(h.unhealthy(2));
  // Never probed or reported again.
  for (int i = 1; i <= 10; ++i) {
    auto later = now + seconds{10 * i};
    CHECK(h.probes_due(later) == keys{2});
    CHECK(h.probe_succeeded(2, later));
    CHECK(h.timed_out(later + seconds{3}).empty());
    CHECK_FALSE(h.probe_failed(1, later, "x"));
    CHECK_FALSE(h.probe_succeeded(1, later));
  }
  CHECK_FALSE(h.next_probe(1));
  CHECK(h.misses(1) == 3);
}

TEST_CASE("health_tracker: a success between timeouts resets the count",
          "[health_tracker]") {
  auto h = make();
  h.add_worker(1, t0);
  auto miss_once = [&](time_point now) {
    REQUIRE(h.probes_due(now) == keys{1});
    auto out = h.timed_out(now + seconds{2});
    REQUIRE(out.size() == 1);
    return out[0];
  };
  auto now = at(5000);
  CHECK(miss_once(now).misses == 1);
  now = *h.next_event();
  CHECK(miss_once(now).misses == 2);
  now = *h.next_event();
  REQUIRE(h.probes_due(now) == keys{1});
  REQUIRE(h.probe_succeeded(1, now + milliseconds{5}));
  now = *h.next_event();
  CHECK(miss_once(now).misses == 1);
  now = *h.next_event();
  auto v = miss_once(now);
  CHECK(v.misses == 2);
  CHECK_FALSE(v.unhealthy);
}

TEST_CASE("health_tracker: probe_failed reaching max_misses is unhealthy",
          "[health_tracker]") {
  health_tracker h{health_settings{seconds{1}, milliseconds{500}, 2}};
  h.add_worker(1, t0);
  h.probes_due(at(1000));
  CHECK_FALSE(h.probe_failed(1, at(1001), "e1")->unhealthy);
  h.probes_due(at(2001));
  auto v = h.probe_failed(1, at(2002), "e2");
  REQUIRE(v);
  CHECK(v->unhealthy);
  CHECK(v->misses == 2);
  CHECK(v->reason == "e2");
  CHECK(h.unhealthy(1));
  CHECK(h.probes_due(at(100'000)).empty());
  CHECK_FALSE(h.next_event());
}

TEST_CASE("health_tracker: late or stray answers are ignored",
          "[health_tracker]") {
  auto h = make();
  h.add_worker(1, t0);
  // Nothing outstanding yet.
  CHECK_FALSE(h.probe_succeeded(1, at(1)));
  CHECK_FALSE(h.probe_failed(1, at(1), "x"));
  h.probes_due(at(5000));
  REQUIRE(h.timed_out(at(7000)).size() == 1);
  // The answer to the timed-out probe arrives late: no reset.
  CHECK_FALSE(h.probe_succeeded(1, at(7100)));
  CHECK(h.misses(1) == 1);
  // A timeout the caller also reports is not counted twice.
  CHECK_FALSE(h.probe_failed(1, at(7100), "timeout"));
  CHECK(h.misses(1) == 1);
}

TEST_CASE("health_tracker: next_event", "[health_tracker]") {
  auto h = make();
  CHECK_FALSE(h.next_event());
  h.add_worker(1, at(1000));
  h.add_worker(2, at(3000));
  CHECK(h.next_event() == at(6000));
  h.probes_due(at(6000));
  // 1 waits for its answer until 8000; 2 is due at 8000 as well.
  CHECK(h.next_event() == at(8000));
  h.probe_succeeded(1, at(6500));
  CHECK(h.next_event() == at(8000));
  h.probes_due(at(8000));
  CHECK(h.next_event() == at(10'000));
  h.probe_succeeded(2, at(8100));
  CHECK(h.next_event() == at(11'500));
  h.remove_worker(1);
  CHECK(h.next_event() == at(13'100));
  h.remove_worker(2);
  CHECK_FALSE(h.next_event());
}

TEST_CASE("health_tracker: an infinite timeout never times out",
          "[health_tracker]") {
  health_tracker h{health_settings{seconds{1}, milliseconds::max(), 3}};
  h.add_worker(1, t0);
  h.probes_due(at(1000));
  CHECK(h.timed_out(time_point::max()).empty());
  CHECK_FALSE(h.next_event());
}

TEST_CASE("health_tracker: unknown keys are no-ops", "[health_tracker]") {
  auto h = make();
  CHECK_FALSE(h.remove_worker(9));
  CHECK_FALSE(h.probe_succeeded(9, t0));
  CHECK_FALSE(h.probe_failed(9, t0, "x"));
  CHECK(h.misses(9) == 0);
  CHECK_FALSE(h.unhealthy(9));
  CHECK_FALSE(h.probe_outstanding(9));
  CHECK_FALSE(h.next_probe(9));
  h.add_worker(1, t0);
  CHECK_FALSE(h.add_worker(1, at(100)));
  CHECK(h.next_probe(1) == at(5000));
  CHECK(h.size() == 1);
}

TEST_CASE("health_tracker: max_misses below 1 counts as 1",
          "[health_tracker]") {
  health_tracker h{health_settings{seconds{1}, seconds{1}, 0}};
  CHECK(h.settings().max_misses == 1);
  h.add_worker(1, t0);
  h.probes_due(at(1000));
  CHECK(h.probe_failed(1, at(1001), "x")->unhealthy);
}

namespace {

/// Drives `h` for one worker added at t0 that answers every probe at once
/// until `stops`, and none after; returns how long after `stops` it is
/// declared unhealthy.
milliseconds time_to_unhealthy(health_tracker& h, time_point stops) {
  h.add_worker(1, t0);
  for (int step = 0; step < 1000; ++step) {
    auto now = *h.next_event();
    for (const auto& v : h.timed_out(now))
      if (v.unhealthy)
        return std::chrono::duration_cast<milliseconds>(now - stops);
    for (auto key : h.probes_due(now))
      if (now < stops)
        h.probe_succeeded(key, now);
  }
  FAIL("never unhealthy");
  return {};
}

} // namespace

// The bound docs/operations.md documents ("Stuck workers and shutdown"):
// a worker that stops answering is found between (max_misses - 1) x
// interval + max_misses x timeout (it stops just before a ping) and
// max_misses x (interval + timeout) (just after an answer): 10 s and 12 s
// with the defaults.
TEST_CASE("health_tracker: a stuck worker is found within max_misses x "
          "(interval + timeout)",
          "[health_tracker]") {
  health_settings defaults;
  REQUIRE(defaults.interval == seconds{2});
  REQUIRE(defaults.timeout == seconds{2});
  REQUIRE(defaults.max_misses == 3);
  {
    health_tracker h{defaults};
    // Answers the probe at 2 s, stops 1 ms later.
    CHECK(time_to_unhealthy(h, at(2001)) == milliseconds{11'999});
  }
  {
    health_tracker h{defaults};
    // Stops as the probe at 4 s goes out.
    CHECK(time_to_unhealthy(h, at(4000)) == milliseconds{10'000});
  }
  {
    // The old defaults: 16 to 21 s.
    health_tracker h{health_settings{seconds{5}, seconds{2}, 3}};
    CHECK(time_to_unhealthy(h, at(5001)) == milliseconds{20'999});
  }
}
