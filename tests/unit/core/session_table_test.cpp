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
  CHECK(t.find("s")->running_on(1) == 2);
  CHECK_FALSE(t.call_ended("s", 1, t0 + 2s));
  CHECK(t.find("s")->running_on(1) == 1);
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
  CHECK(t.find("s")->running_on(1) == 1);
  CHECK(t.find("s")->running_on(2) == 2);
  CHECK(t.find("s")->running_total() == 3);
  t.call_ended("s", 2, t0);
  CHECK(t.find("s")->running_on(2) == 1);
  t.forget_worker(2);
  CHECK(t.find("s")->visitors.empty());
  // Its calls run no more: they never end on a worker that is gone.
  CHECK(t.find("s")->running_total() == 1);
}

TEST_CASE("session_table: a lost session routes to lost until closed",
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
  // Its visitor's call still runs.
  CHECK(t.find("s")->running_on(2) == 1);
  CHECK(t.owned_by(1).empty());
  CHECK(t.count(session_state::lost) == 1);
  // A late end of its call changes nothing.
  t.call_ended("s", 1, t0 + 5s);
  CHECK(t.find("s")->last_used == t0 + 1s);
  auto closed = t.close("s");
  REQUIRE(closed.has_value());
  CHECK(closed->entry.state == session_state::lost);
  // Its owner is gone: only the visitor is told.
  CHECK(closed->close_now == std::vector<worker_key>{});
  CHECK(t.find("s")->state == session_state::closing);
  CHECK(t.call_ended("s", 2, t0 + 6s));
  t.await_close(1, "s", 2);
  CHECK(t.route("s", affinity_mode::hint, slots) == session_route::wait);
  CHECK(t.close_done(1));
  CHECK(t.route("s", affinity_mode::hint, slots) == session_route::any_new);
  CHECK_FALSE(t.close("s").has_value());
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
  t.forget_worker(2); // its owner crashed under its call
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

TEST_CASE("session_table: a call running on a visitor keeps a session from "
          "expiring, lost or not",
          "[session_table]") {
  session_table t;
  t.call_started("s", 1, t0);
  t.call_ended("s", 1, t0);
  t.call_started("s", 2, t0 + 1s); // hint: on a visitor
  CHECK(t.idle(t0 + 100s, 60s).empty());
  t.call_ended("s", 2, t0 + 2s);
  CHECK(t.idle(t0 + 61s, 60s).empty());
  CHECK(t.idle(t0 + 62s, 60s) == std::vector<std::string>{"s"});

  t.call_started("s", 2, t0 + 70s);
  t.forget_worker(1);
  CHECK(t.lose("s", "its worker went", t0 + 70s));
  CHECK(t.idle(t0 + 200s, 60s).empty());
  t.call_ended("s", 2, t0 + 80s);
  CHECK(t.idle(t0 + 200s, 60s) == std::vector<std::string>{"s"});
}

TEST_CASE("session_table: a close waits for the session's calls on each "
          "worker, and its requests wait meanwhile",
          "[session_table]") {
  session_table t;
  auto slots = two_workers();
  t.call_started("s", 1, t0);
  t.call_started("s", 2, t0); // a visitor, running a call too
  t.call_started("s", 2, t0);
  t.call_started("idle", 1, t0);
  t.call_ended("idle", 1, t0);

  auto closed = t.close("s");
  REQUIRE(closed.has_value());
  CHECK(closed->entry.state == session_state::active);
  CHECK(closed->close_now.empty());
  CHECK(t.find("s")->state == session_state::closing);
  CHECK(t.count(session_state::closing) == 1);
  CHECK_FALSE(t.close("s").has_value()); // closed already
  for (auto mode : {affinity_mode::hint, affinity_mode::strict_queue})
    CHECK(t.route("s", mode, slots) == session_route::wait);
  CHECK(t.route("s", affinity_mode::strict_fail_fast, slots)
        == session_route::busy);
  // It neither expires nor is lost (its worker's going settles the close).
  CHECK(t.idle(t0 + 100s, 60s) == std::vector<std::string>{"idle"});
  CHECK_FALSE(t.lose("s", "gone", t0));
  CHECK(t.owned_by(1) == std::vector<std::string>{"idle"});

  // The owner's last call ends: close it there now.
  CHECK(t.call_ended("s", 1, t0 + 1s));
  t.await_close(10, "s", 1);
  CHECK_FALSE(t.call_ended("s", 2, t0 + 2s));
  CHECK(t.call_ended("s", 2, t0 + 3s));
  t.await_close(11, "s", 2);
  // It is gone once both workers have answered.
  CHECK_FALSE(t.close_done(11));
  CHECK_FALSE(t.close_done(11)); // answered already
  CHECK(t.route("s", affinity_mode::strict_queue, slots)
        == session_route::wait);
  CHECK(t.close_done(10));
  CHECK(t.find("s") == nullptr);
  CHECK(t.count(session_state::closing) == 0);
  CHECK(t.route("s", affinity_mode::strict_queue, slots)
        == session_route::any_new);

  // With no call running, everything that may hold it closes it at once.
  auto at_once = t.close("idle");
  REQUIRE(at_once.has_value());
  CHECK(at_once->close_now == std::vector<worker_key>{1});
  CHECK(t.open() == 0);
  t.await_close(12, "idle", 1);
  CHECK(t.close_done(12));
  CHECK(t.size() == 0);
}

TEST_CASE("session_table: a worker that goes settles the close waiting for "
          "it",
          "[session_table]") {
  session_table t;
  t.call_started("s", 1, t0);
  t.call_started("s", 2, t0);
  t.call_ended("s", 2, t0);
  auto closed = t.close("s");
  REQUIRE(closed.has_value());
  CHECK(closed->close_now == std::vector<worker_key>{2});
  t.await_close(1, "s", 2);
  t.forget_worker(1);
  CHECK(t.find("s") != nullptr);
  CHECK(t.close_done(1));
  CHECK(t.size() == 0);
  // A lost session without visitors is gone at once.
  t.call_started("l", 1, t0);
  t.forget_worker(1);
  REQUIRE(t.lose("l", "gone", t0));
  REQUIRE(t.close("l").has_value());
  CHECK(t.size() == 0);
}

TEST_CASE("session_table: closing a moving session closes it on both "
          "workers",
          "[session_table]") {
  session_table t;
  t.call_started("s", 1, t0);
  t.call_ended("s", 1, t0);
  REQUIRE(t.begin_move("s", 3));
  auto closed = t.close("s");
  REQUIRE(closed.has_value());
  CHECK(closed->entry.state == session_state::moving);
  CHECK(closed->close_now == std::vector<worker_key>{1, 3});
  CHECK_FALSE(t.moving_from(1));
}

TEST_CASE("session_table: the moves from a worker are indexed by worker",
          "[session_table]") {
  session_table t;
  for (auto id : {"a", "b", "c"})
    t.call_started(id, 1, t0);
  t.call_started("d", 2, t0);
  CHECK_FALSE(t.moving_from(1));
  REQUIRE(t.begin_move("a", 3));
  REQUIRE(t.begin_move("b", 3));
  CHECK(t.moving_from(1));
  CHECK_FALSE(t.moving_from(2));
  CHECK(t.count(session_state::moving) == 2);

  // "a": its snapshot, then its restore, then done.
  t.call_ended("a", 1, t0);
  REQUIRE(t.ready_to_move("a"));
  t.await_move(7, session_move{"a", 1, 3, t0, false, 0});
  auto snapshot = t.take_move(7);
  REQUIRE(snapshot.has_value());
  CHECK(snapshot->session == "a");
  CHECK_FALSE(t.take_move(7).has_value());
  snapshot->restoring = true;
  t.await_move(8, *snapshot);
  t.take_move(8);
  t.finish_move("a", t0 + 1s);
  CHECK(t.find("a")->owner == 3);
  CHECK(t.moving_from(1)); // "b" still moves

  // "b" is lost while its snapshot is under way: the worker still waits
  // for that answer.
  t.call_ended("b", 1, t0);
  t.await_move(9, session_move{"b", 1, 3, t0, false, 0});
  REQUIRE(t.lose("b", "the snapshot failed", t0 + 2s));
  CHECK(t.moving_from(1));
  t.take_move(9);
  CHECK_FALSE(t.moving_from(1));
  CHECK(t.count(session_state::moving) == 0);
  CHECK(t.count(session_state::active) == 3);
  CHECK(t.count(session_state::lost) == 1);
}

TEST_CASE("affinity_mode names round-trip", "[session_table]") {
  for (auto mode : {affinity_mode::pool_default, affinity_mode::hint,
                    affinity_mode::strict_queue,
                    affinity_mode::strict_fail_fast})
    CHECK(affinity_mode_from_string(to_string(mode)) == mode);
  CHECK_FALSE(affinity_mode_from_string("sticky").has_value());
}
