#include "core/group_answers.hpp"
#include "core/group_balancer.hpp"
#include "core/group_snapshot.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace snakepit;

namespace {

/// A snapshot of a member with `free` free slots and `queued` requests.
pool_snapshot load(int free, uint64_t queued = 0) {
  pool_snapshot s;
  s.free_slots = free;
  s.queue_depth = queued;
  return s;
}

pool_snapshot failed(const std::string& name, error_code code) {
  pool_snapshot s;
  s.name = name;
  s.failed = make_failure(code, "gone");
  return s;
}

/// How many of `n` picks go to each of `members` members.
std::vector<int> share_of(group_balancer& b, std::size_t members, int n) {
  std::vector<int> share(members);
  for (int i = 0; i < n; ++i)
    ++share.at(b.pick().value());
  return share;
}

} // namespace

TEST_CASE("group_balancer: members are down until they report",
          "[group_balancer]") {
  group_balancer b{group_strategy::least_loaded, 2};
  CHECK_FALSE(b.pick().has_value());
  b.report(1, load(3));
  CHECK(b.pick() == std::optional<std::size_t>{1});
  b.report_down(1);
  CHECK_FALSE(b.pick().has_value());
}

TEST_CASE("group_balancer: least_loaded picks the most headroom, counting "
          "the group's own calls since the snapshot",
          "[group_balancer]") {
  group_balancer b{group_strategy::least_loaded, 2};
  b.report(0, load(2));
  b.report(1, load(4));
  // 4 free against 2: the first two calls go to member 1, then in turn.
  CHECK(b.pick() == std::optional<std::size_t>{1});
  CHECK(b.headroom(1) == 3);
  CHECK(b.pick() == std::optional<std::size_t>{1});
  CHECK(b.pick() == std::optional<std::size_t>{0});
  CHECK(b.pick() == std::optional<std::size_t>{1});
  CHECK(b.headroom(0) == 1);
  CHECK(b.headroom(1) == 1);
  // An answer gives the slot back.
  b.answered(0);
  CHECK(b.headroom(0) == 2);
  CHECK(b.pick() == std::optional<std::size_t>{0});
  // Past capacity headroom goes negative (requests queue on the member);
  // equal headrooms take calls in turn.
  auto more = share_of(b, 2, 6);
  CHECK(more == std::vector<int>{3, 3});
  CHECK(b.headroom(0) == -2);
  CHECK(b.headroom(1) == -2);
}

TEST_CASE("group_balancer: a snapshot counts the calls in flight when it "
          "arrives as already there",
          "[group_balancer]") {
  group_balancer b{group_strategy::least_loaded, 1};
  b.report(0, load(4));
  b.pick();
  b.pick();
  CHECK(b.in_flight(0) == 2);
  // The member saw both: 2 free, nothing to take off again.
  b.report(0, load(2));
  CHECK(b.headroom(0) == 2);
  // One of them is answered after the snapshot: its slot is free again.
  b.answered(0);
  CHECK(b.headroom(0) == 3);
  // Queued requests count against free slots.
  b.report(0, load(0, 3));
  CHECK(b.headroom(0) == -3);
  // More answers than calls never count below zero.
  b.answered(0);
  b.answered(0);
  CHECK(b.in_flight(0) == 0);
}

TEST_CASE("group_balancer: a session's call sent without a pick counts "
          "against its member",
          "[group_balancer]") {
  group_balancer b{group_strategy::least_loaded, 2};
  b.report(0, load(2));
  b.report(1, load(2));
  b.sent(0);
  b.sent(0);
  CHECK(b.in_flight(0) == 2);
  CHECK(b.headroom(0) == 0);
  // The next picks go where the room is, though member 0 comes first in
  // turn.
  CHECK(b.pick() == 1u);
  CHECK(b.pick() == 1u);
  b.answered(0);
  CHECK(b.headroom(0) == 1);
}

TEST_CASE("group_balancer: round_robin takes each member up in turn",
          "[group_balancer]") {
  group_balancer b{group_strategy::round_robin, 3};
  b.report(0, load(0));
  b.report(1, load(10));
  b.report(2, load(0, 5));
  std::vector<std::size_t> order;
  for (int i = 0; i < 6; ++i)
    order.push_back(*b.pick());
  CHECK(order == std::vector<std::size_t>{0, 1, 2, 0, 1, 2});
  // A member down is skipped, and taken again once it reports.
  b.report(1, failed("b", error_code::node_down));
  CHECK_FALSE(b.up(1));
  order.clear();
  for (int i = 0; i < 4; ++i)
    order.push_back(*b.pick());
  CHECK(order == std::vector<std::size_t>{0, 2, 0, 2});
  b.report(1, load(1));
  CHECK(b.pick() == std::optional<std::size_t>{0});
  CHECK(b.pick() == std::optional<std::size_t>{1});
}

TEST_CASE("group_balancer: a failed or stopping member is down",
          "[group_balancer]") {
  group_balancer b{group_strategy::least_loaded, 2};
  b.report(0, failed("a", error_code::pool_failed));
  auto stopping = load(8);
  stopping.stopping = true;
  b.report(1, stopping);
  CHECK_FALSE(b.pick().has_value());
  CHECK_FALSE(takes_requests(stopping));
  CHECK(free_capacity(load(3, 5)) == -2);
}

TEST_CASE("group snapshot: sums the members that take requests",
          "[group_balancer]") {
  pool_snapshot a = load(1, 2);
  a.name = "a";
  a.profile = "process";
  a.size = 2;
  a.ready = 2;
  a.total_slots = 2;
  a.busy_slots = 1;
  a.errors["python_error"] = 1;
  a.workers.resize(2);
  pool_snapshot b = a;
  b.name = "b";
  b.profile = "thread";
  b.size = 4;
  b.ready = 4;
  b.total_slots = 4;
  b.busy_slots = 3;
  b.workers.resize(4);
  auto down = failed("c", error_code::node_down);
  down.size = 100;
  auto sum = aggregate_group("g", {a, b, down});
  CHECK(sum.name == "g");
  CHECK(sum.failed.code == error_code::none);
  CHECK(sum.size == 6);
  CHECK(sum.ready == 6);
  CHECK(sum.total_slots == 6);
  CHECK(sum.busy_slots == 4);
  CHECK(sum.queue_depth == 4);
  CHECK(sum.utilization == Approx(4.0 / 6));
  CHECK(sum.profile == "mixed");
  CHECK(sum.errors["python_error"] == 2);
  CHECK(sum.workers.size() == 6);
  CHECK(sum.all_ready());
}

TEST_CASE("group snapshot: no member taking requests names each one",
          "[group_balancer]") {
  auto remote = failed("far", error_code::node_down);
  auto sum = aggregate_group("g", {remote, failed("far2",
                                                  error_code::node_down)});
  CHECK(sum.failed.code == error_code::node_down);
  CHECK_THAT(sum.failed.message, Catch::Contains("pool group g"));
  CHECK_THAT(sum.failed.message, Catch::Contains("far: node_down (gone)"));
  CHECK_THAT(sum.failed.message, Catch::Contains("far2"));
  auto local = failed("near", error_code::pool_failed);
  auto mixed = no_member_takes_requests("g", {remote, local});
  CHECK(mixed.code == error_code::pool_failed);
  CHECK_THAT(mixed.message, Catch::Contains("near: pool_failed (gone)"));
}

TEST_CASE("group answers: fail only when every member failed",
          "[group_balancer]") {
  auto gone = make_failure(error_code::node_down, "far is away");
  auto other = make_failure(error_code::pool_failed, "near failed");
  CHECK(combine_closes({gone, other}).error().code == error_code::node_down);
  CHECK(combine_closes({gone, true}).value());
  CHECK_FALSE(combine_closes({false, false}).value());
  recycle_ack a;
  a.workers = {"a/w1"};
  recycle_ack b;
  b.workers = {"b/w1", "b/w2"};
  auto recycled = combine_recycles({a, gone, b});
  REQUIRE(recycled);
  CHECK(recycled->workers == std::vector<std::string>{"a/w1", "b/w1",
                                                      "b/w2"});
  restart_ack idle;
  restart_ack revived;
  revived.restarted = true;
  revived.previous_failure = "no workers";
  auto restarted = combine_restarts({idle, revived, revived});
  REQUIRE(restarted);
  CHECK(restarted->restarted);
  CHECK(restarted->previous_failure == "no workers; no workers");
  CHECK_FALSE(combine_restarts({idle}).value().restarted);
}
