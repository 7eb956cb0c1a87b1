#include "core/recovery_backoff.hpp"

#include <catch2/catch.hpp>

using namespace snakepit;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("recovery_backoff doubles from the first delay to the cap",
          "[recovery_backoff]") {
  recovery_backoff r{seconds{1}, seconds{60}};
  std::vector<milliseconds> delays;
  for (int i = 0; i < 9; ++i)
    delays.push_back(*r.next_delay());
  CHECK(delays
        == std::vector<milliseconds>{seconds{1}, seconds{2}, seconds{4},
                                     seconds{8}, seconds{16}, seconds{32},
                                     seconds{60}, seconds{60}, seconds{60}});
  CHECK(r.attempts() == 9);
}

TEST_CASE("recovery_backoff starts over after a recovery",
          "[recovery_backoff]") {
  recovery_backoff r{milliseconds{250}, seconds{2}};
  CHECK(*r.next_delay() == milliseconds{250});
  CHECK(*r.next_delay() == milliseconds{500});
  r.reset();
  CHECK(r.attempts() == 0);
  CHECK(*r.next_delay() == milliseconds{250});
  CHECK(r.attempts() == 1);
}

TEST_CASE("recovery_backoff with an infinite first delay never probes",
          "[recovery_backoff]") {
  recovery_backoff r{milliseconds::max(), seconds{60}};
  CHECK_FALSE(r.next_delay().has_value());
  CHECK(r.attempts() == 0);
}
