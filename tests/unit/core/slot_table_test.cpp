#include "core/slot_table.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace snakepit;
using std::chrono::milliseconds;

namespace {

const time_point t0{};

} // namespace

TEST_CASE("slot_table picks the least-loaded worker", "[slot_table]") {
  slot_table t;
  t.add(1, 4);
  t.add(2, 4);
  t.add(3, 4);
  // Load 1 with two requests and 2 with one, by hand.
  CHECK(t.acquire(t0) == worker_key{1});
  CHECK(t.acquire(t0) == worker_key{2});
  CHECK(t.acquire(t0) == worker_key{3});
  CHECK(t.acquire(t0) == worker_key{1});
  t.release(3);
  // Busy: 1 -> 2, 2 -> 1, 3 -> 0.
  CHECK(t.acquire(t0) == worker_key{3});
  CHECK(t.acquire(t0) == worker_key{2});
  CHECK(t.busy(1) == 2);
  CHECK(t.busy(2) == 2);
  CHECK(t.busy(3) == 1);
}

TEST_CASE("slot_table breaks ties by least recent acquire",
          "[slot_table]") {
  slot_table t;
  t.add(1, 8);
  t.add(2, 8);
  t.add(3, 8);
  // Each request finishes before the next: all workers stay idle, so only
  // the tie-break decides, and it must rotate.
  std::map<worker_key, int> served;
  for (int i = 0; i < 30; ++i) {
    auto key = t.acquire(t0 + milliseconds{i});
    REQUIRE(key.has_value());
    ++served[*key];
    CHECK(t.release(*key));
  }
  CHECK(served[1] == 10);
  CHECK(served[2] == 10);
  CHECK(served[3] == 10);
  CHECK(t.last_acquired(3) == t0 + milliseconds{29});
}

TEST_CASE("slot_table never exceeds a worker's slots", "[slot_table]") {
  slot_table t;
  t.add(1, 1);
  t.add(2, 3);
  CHECK(t.total_slots() == 4);
  for (int i = 0; i < 4; ++i)
    CHECK(t.acquire(t0).has_value());
  CHECK(t.busy(1) == 1);
  CHECK(t.busy(2) == 3);
  CHECK(t.free_slots() == 0);
  CHECK_FALSE(t.acquire(t0).has_value());
  CHECK(t.release(2));
  CHECK(t.acquire(t0) == worker_key{2});
  CHECK_FALSE(t.acquire(t0).has_value());
}

TEST_CASE("slot_table gives draining workers no new work", "[slot_table]") {
  slot_table t;
  t.add(1, 2);
  t.add(2, 2);
  CHECK(t.acquire(t0) == worker_key{1});
  CHECK(t.set_accepting(1, false));
  CHECK_FALSE(t.accepting(1));
  CHECK(t.total_slots() == 2);
  CHECK(t.busy_slots() == 1);
  CHECK(t.free_slots() == 2);
  CHECK(t.acquire(t0) == worker_key{2});
  CHECK(t.acquire(t0) == worker_key{2});
  CHECK_FALSE(t.acquire(t0).has_value());
  // The in-flight request on the draining worker still completes.
  CHECK(t.release(1));
  CHECK(t.busy(1) == 0);
  CHECK_FALSE(t.acquire(t0).has_value());
  CHECK(t.set_accepting(1, true));
  CHECK(t.acquire(t0) == worker_key{1});
}

TEST_CASE("slot_table release of unknown or idle workers is a no-op",
          "[slot_table]") {
  slot_table t;
  CHECK_FALSE(t.release(42));
  t.add(1, 2);
  CHECK_FALSE(t.release(1));
  CHECK(t.busy(1) == 0);
  CHECK(t.busy(42) == 0);
  CHECK_FALSE(t.set_accepting(42, false));
  CHECK_FALSE(t.remove(42));
  CHECK(t.free_slots() == 2);
}

TEST_CASE("slot_table add and remove", "[slot_table]") {
  slot_table t;
  CHECK_FALSE(t.acquire(t0).has_value());
  CHECK(t.add(1, 2));
  CHECK_FALSE(t.add(1, 5));
  CHECK_FALSE(t.add(2, 0));
  CHECK(t.size() == 1);
  CHECK(t.contains(1));
  CHECK_FALSE(t.contains(2));
  CHECK(t.slots(1) == 2);
  CHECK(t.acquire(t0) == worker_key{1});
  CHECK(t.remove(1));
  CHECK_FALSE(t.contains(1));
  CHECK(t.busy_slots() == 0);
  CHECK_FALSE(t.acquire(t0).has_value());
  // A late reply from the removed worker must not crash or count.
  CHECK_FALSE(t.release(1));
}

TEST_CASE("slot_table prefers a fresh worker among idle ones",
          "[slot_table]") {
  slot_table t;
  t.add(1, 1);
  t.add(2, 1);
  CHECK(t.acquire(t0) == worker_key{1});
  t.release(1);
  t.add(3, 1);
  // 2 and 3 never served; the lower key wins among never-acquired ones.
  CHECK(t.acquire(t0) == worker_key{2});
  CHECK(t.acquire(t0) == worker_key{3});
  CHECK(t.acquire(t0) == worker_key{1});
}

TEST_CASE("slot_table acquire_on takes a slot of one given worker",
          "[slot_table]") {
  slot_table t;
  t.add(1, 2);
  t.add(2, 1);
  CHECK(t.acquire_on(1, t0));
  CHECK(t.acquire_on(1, t0));
  CHECK(t.busy(1) == 2);
  // Full, unknown, or not accepting: nothing changes.
  CHECK_FALSE(t.acquire_on(1, t0));
  CHECK_FALSE(t.acquire_on(9, t0));
  t.set_accepting(2, false);
  CHECK_FALSE(t.acquire_on(2, t0));
  CHECK(t.busy(2) == 0);
  // The least-loaded pick sees those slots as taken.
  t.set_accepting(2, true);
  CHECK(t.acquire(t0) == worker_key{2});
  CHECK_FALSE(t.acquire(t0).has_value());
  t.release(1);
  CHECK(t.acquire(t0) == worker_key{1});
}
