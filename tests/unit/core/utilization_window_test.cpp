#include "core/utilization_window.hpp"

#include <catch2/catch.hpp>

using namespace snakepit;
using namespace std::chrono_literals;

TEST_CASE("utilization_window: mean, peak and span of the last samples",
          "[utilization_window]") {
  utilization_window w{3};
  CHECK(w.mean() == 0);
  CHECK(w.peak() == 0);
  CHECK(w.seconds() == 0);
  time_point t0{};
  w.add(t0, 1, 4);       // 0.25
  CHECK(w.seconds() == 0);
  w.add(t0 + 1s, 4, 4);  // 1.0
  w.add(t0 + 2s, 0, 0);  // no slots: 0
  CHECK(w.samples() == 3);
  CHECK(w.mean() == Approx(1.25 / 3));
  CHECK(w.peak() == 1.0);
  CHECK(w.seconds() == Approx(2.0));
  w.add(t0 + 3s, 2, 4);  // 0.5; the oldest drops out
  CHECK(w.samples() == 3);
  CHECK(w.mean() == Approx(1.5 / 3));
  CHECK(w.seconds() == Approx(2.0));
  w.add(t0 + 4s, 9, 4);  // clamped to 1
  CHECK(w.peak() == 1.0);
}
