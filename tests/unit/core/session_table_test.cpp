#include "core/session_table.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace snakepit;
using namespace std::chrono_literals;

namespace {

const time_point t0{};

/// Two workers: 1 with one slot, 2 with two.
slot_table two_workers() {
  slot_table slots;
  slots.add(1, 1);
  slots.add(2, 2);
  return slots;
}

} // namespace

TEST_CASE("session_table: a new session is bound to the worker of its "
          "first call",
          "[session_table]") {
  session_table t;
  auto slots = two_workers();
  CHECK(t.route("s", affinity_mode::hint, slots) == session_route::any_new);
  CHECK(t.call_started("s", 1, t0));
  CHECK_FALSE(t.call_started("s", 1, t0 + 1s));
  REQUIRE(t.find("s") != nullptr);
  CHECK(t.find("s")->owner == 1);
  CHECK(t.find("s")->running == 2);
  t.call_ended("s", 1, t0 + 2s);
  CHECK(t.find("s")->running == 1);
  CHECK(t.find("s")->last_used == t0 + 2s);
  CHECK(t.owned_by(1) == std::vector<std::string>{"s"});
  CHECK(t.owned_by(2).empty());
}

TEST_CASE("session_table: each affinity mode when the owner is free or busy",
          "[session_table]") {
  session_table t;
  auto slots = two_workers();
  t.call_started("s", 1, t0);
  t.call_ended("s", 1, t0);
  for (auto mode : {affinity_mode::hint, affinity_mode::strict_queue,
                    affinity_mode::strict_fail_fast})
    CHECK(t.route("s", mode, slots) == session_route::owner);
  REQUIRE(slots.acquire_on(1, t0));
  CHECK(t.route("s", affinity_mode::hint, slots) == session_route::any);
  CHECK(t.route("s", affinity_mode::strict_queue, slots)
        == session_route::wait);
  CHECK(t.route("s", affinity_mode::strict_fail_fast, slots)
        == session_route::busy);
  // A draining owner counts as busy.
  slots.release(1);
  slots.set_accepting(1, false);
  CHECK(t.route("s", affinity_mode::strict_queue, slots)
        == session_route::wait);
}

TEST_CASE("session_table: a call on another worker makes it a visitor, "
          "forgotten when it goes",
          "[session_table]") {
  session_table t;
  t.call_started("s", 1, t0);
  t.call_started("s", 2, t0);
  t.call_started("s", 2, t0);
  CHECK(t.find("s")->visitors == std::vector<worker_key>{2});
  CHECK(t.find("s")->running == 1);
  t.call_ended("s", 2, t0);
  CHECK(t.find("s")->running == 1);
  t.forget_visitor(2);
  CHECK(t.find("s")->visitors.empty());
}

TEST_CASE("session_table: a lost session routes to lost until erased",
          "[session_table]") {
  session_table t;
  auto slots = two_workers();
  t.call_started("s", 1, t0);
  t.call_started("s", 2, t0);
  CHECK(t.lose("s", "worker crashed", t0 + 1s));
  CHECK(t.find("s")->visitors == std::vector<worker_key>{2});
  CHECK_FALSE(t.lose("unknown", "x", t0));
  for (auto mode : {affinity_mode::hint, affinity_mode::strict_queue,
                    affinity_mode::strict_fail_fast})
    CHECK(t.route("s", mode, slots) == session_route::lost);
  CHECK(t.find("s")->lost_reason == "worker crashed");
  CHECK(t.owned_by(1).empty());
  CHECK(t.count(session_state::lost) == 1);
  // A late end of its call changes nothing.
  t.call_ended("s", 1, t0 + 5s);
  CHECK(t.find("s")->last_used == t0 + 1s);
  auto erased = t.erase("s");
  REQUIRE(erased.has_value());
  CHECK(erased->state == session_state::lost);
  CHECK(t.route("s", affinity_mode::hint, slots) == session_route::any_new);
  CHECK_FALSE(t.erase("s").has_value());
}

TEST_CASE("session_table: a move waits for the session's running calls, "
          "then rebinds it",
          "[session_table]") {
  session_table t;
  auto slots = two_workers();
  t.call_started("s", 1, t0);
  t.call_started("s", 2, t0); // 2 visited it
  CHECK(t.begin_move("s", 2));
  CHECK_FALSE(t.begin_move("s", 2));
  CHECK_FALSE(t.ready_to_move("s"));
  CHECK(t.route("s", affinity_mode::hint, slots) == session_route::wait);
  CHECK(t.route("s", affinity_mode::strict_fail_fast, slots)
        == session_route::busy);
  CHECK(t.moving_to(2) == std::vector<std::string>{"s"});
  t.call_ended("s", 1, t0 + 1s);
  CHECK(t.ready_to_move("s"));
  t.finish_move("s", t0 + 2s);
  const auto* s = t.find("s");
  CHECK(s->owner == 2);
  CHECK(s->state == session_state::active);
  // The new owner is no visitor of its own session.
  CHECK(s->visitors.empty());
  CHECK(t.route("s", affinity_mode::strict_queue, slots)
        == session_route::owner);
}

TEST_CASE("session_table: idle sessions after the ttl, running ones never",
          "[session_table]") {
  session_table t;
  t.call_started("idle", 1, t0);
  t.call_ended("idle", 1, t0);
  t.call_started("busy", 1, t0);
  t.call_started("lost", 2, t0);
  t.lose("lost", "gone", t0 + 10s);
  CHECK(t.idle(t0 + 59s, 60s).empty());
  CHECK(t.idle(t0 + 60s, 60s) == std::vector<std::string>{"idle"});
  auto later = t.idle(t0 + 70s, 60s);
  std::sort(later.begin(), later.end());
  CHECK(later == std::vector<std::string>{"idle", "lost"});
  CHECK(t.oldest_use() == t0);
  // An infinite ttl never expires anything.
  CHECK(t.idle(t0 + 100000h, std::chrono::milliseconds::max()).empty());
  CHECK(t.size() == 3);
  CHECK(t.count(session_state::active) == 2);
}

TEST_CASE("affinity_mode names round-trip", "[session_table]") {
  for (auto mode : {affinity_mode::pool_default, affinity_mode::hint,
                    affinity_mode::strict_queue,
                    affinity_mode::strict_fail_fast})
    CHECK(affinity_mode_from_string(to_string(mode)) == mode);
  CHECK_FALSE(affinity_mode_from_string("sticky").has_value());
}
