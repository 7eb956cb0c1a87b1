#include "core/restart_budget.hpp"

#include <catch2/catch.hpp>

using namespace snakepit;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const time_point t0{};

time_point at(int ms) {
  return t0 + milliseconds{ms};
}

} // namespace

TEST_CASE("restart_budget restarts the first failure at once",
          "[restart_budget]") {
  restart_budget b{3, seconds{10}, milliseconds{100}, seconds{5}};
  auto d = b.record_failure(at(0));
  CHECK(d.allowed);
  CHECK(d.delay == milliseconds{0});
  CHECK(d.failures_in_period == 1);
}

TEST_CASE("restart_budget doubles the backoff up to the cap",
          "[restart_budget]") {
  restart_budget b{10, seconds{60}, milliseconds{100}, milliseconds{500}};
  std::vector<milliseconds> delays;
  for (int i = 0; i < 7; ++i)
    delays.push_back(b.record_failure(at(i)).delay);
  CHECK(delays
        == std::vector<milliseconds>{milliseconds{0}, milliseconds{100},
                                     milliseconds{200}, milliseconds{400},
                                     milliseconds{500}, milliseconds{500},
                                     milliseconds{500}});
}

TEST_CASE("restart_budget escalates past the intensity",
          "[restart_budget]") {
  restart_budget b{3, seconds{10}, milliseconds{100}, seconds{5}};
  CHECK(b.record_failure(at(0)).allowed);
  CHECK(b.record_failure(at(1000)).allowed);
  CHECK(b.record_failure(at(2000)).allowed);
  auto d = b.record_failure(at(3000));
  CHECK_FALSE(d.allowed);
  CHECK(d.failures_in_period == 4);
  CHECK(d.delay == milliseconds{0});
}

TEST_CASE("restart_budget with zero restarts escalates at once",
          "[restart_budget]") {
  restart_budget b{0, seconds{10}, milliseconds{100}, seconds{5}};
  CHECK_FALSE(b.record_failure(at(0)).allowed);
}

TEST_CASE("restart_budget window slides", "[restart_budget]") {
  restart_budget b{2, seconds{10}, milliseconds{100}, seconds{5}};
  CHECK(b.record_failure(at(0)).failures_in_period == 1);
  CHECK(b.record_failure(at(6000)).failures_in_period == 2);
  // The failure at 0 is exactly one period old: forgotten.
  auto d = b.record_failure(at(10'000));
  CHECK(d.allowed);
  CHECK(d.failures_in_period == 2);
  // 6000 and 10000 are still inside the window at 15999.
  d = b.record_failure(at(15'999));
  CHECK_FALSE(d.allowed);
  CHECK(d.failures_in_period == 3);
}

TEST_CASE("restart_budget recovers after a quiet period",
          "[restart_budget]") {
  restart_budget b{2, seconds{10}, milliseconds{100}, seconds{5}};
  b.record_failure(at(0));
  b.record_failure(at(100));
  CHECK_FALSE(b.record_failure(at(200)).allowed);
  auto d = b.record_failure(at(20'000));
  CHECK(d.allowed);
  CHECK(d.delay == milliseconds{0});
  CHECK(d.failures_in_period == 1);
  CHECK(b.record_failure(at(20'100)).delay == milliseconds{100});
}

TEST_CASE("restart_budget reset forgets failures", "[restart_budget]") {
  restart_budget b{1, seconds{10}, milliseconds{100}, seconds{5}};
  b.record_failure(at(0));
  CHECK_FALSE(b.record_failure(at(1)).allowed);
  b.reset();
  auto d = b.record_failure(at(2));
  CHECK(d.allowed);
  CHECK(d.failures_in_period == 1);
}

TEST_CASE("restart_budget unlimited never escalates but backs off",
          "[restart_budget]") {
  auto b = restart_budget::unlimited(seconds{10}, milliseconds{100},
                                     milliseconds{400});
  std::vector<milliseconds> delays;
  for (int i = 0; i < 100; ++i) {
    auto d = b.record_failure(at(i * 10));
    REQUIRE(d.allowed);
    if (i < 5)
      delays.push_back(d.delay);
    else
      CHECK(d.delay == milliseconds{400});
  }
  CHECK(delays
        == std::vector<milliseconds>{milliseconds{0}, milliseconds{100},
                                     milliseconds{200}, milliseconds{400},
                                     milliseconds{400}});
  // Crashes a period apart are sporadic: restarted at once.
  CHECK(b.record_failure(at(20'000)).delay == milliseconds{0});
  CHECK(b.record_failure(at(40'000)).delay == milliseconds{0});
}

TEST_CASE("capped_backoff doubles up to the cap without overflow",
          "[restart_budget]") {
  CHECK(capped_backoff(milliseconds{100}, seconds{5}, 0) == milliseconds{100});
  CHECK(capped_backoff(milliseconds{100}, seconds{5}, 3) == milliseconds{800});
  CHECK(capped_backoff(milliseconds{100}, seconds{5}, 10) == seconds{5});
  CHECK(capped_backoff(milliseconds{100}, milliseconds::max(), 1000)
        == milliseconds::max());
  CHECK(capped_backoff(seconds{9}, seconds{5}, 0) == seconds{5});
}
