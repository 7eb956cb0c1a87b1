// The telemetry bus: subscriber actors get every event with its documented
// fields, can leave, are dropped when they die, and only see their own
// actor system; callbacks for code outside actors.

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <atomic>
#include <memory>
#include <set>
#include <variant>

#include <snakepit/telemetry/bus.hpp>

#include "telemetry/log_subscriber.hpp"
#include "test_support.hpp"

using namespace snakepit::telemetry;
using snakepit::pool_snapshot;
using namespace std::chrono_literals;

namespace {

using leave_atom = caf::atom_constant<caf::atom("t_leave")>;

// Subscribes itself, forwards every event to `sink`, and leaves on request.
caf::behavior forwarder(caf::event_based_actor* self, caf::actor sink) {
  subscribe(self);
  return event_behavior([=](const auto& ev) { self->send(sink, ev); },
                        [=](leave_atom) {
                          unsubscribe(self);
                          return leave_atom::value;
                        },
                        [](sync_atom) { return sync_atom::value; });
}

// Receives one event of any type into `out`, waiting at most `wait`;
// false on timeout.
template <class... Events>
bool receive_one(caf::scoped_actor& self, std::vector<event>& out,
                 caf::timespan wait, std::variant<Events...>*) {
  bool got = false;
  self->receive(
    [&](const Events& ev) {
      out.emplace_back(ev);
      got = true;
    }...,
    caf::after(wait) >> [] {});
  return got;
}

// Receives `n` events or fails after a while.
std::vector<event> receive_events(caf::scoped_actor& self, std::size_t n) {
  std::vector<event> out;
  for (std::size_t i = 0; i < n; ++i)
    if (!receive_one(self, out, 10s, static_cast<event*>(nullptr)))
      FAIL("event missing");
  return out;
}

// True when no event waits in `self`'s mailbox.
bool mailbox_empty(caf::scoped_actor& self) {
  std::vector<event> out;
  return !receive_one(self, out, 0s, static_cast<event*>(nullptr));
}

} // namespace

TEST_CASE("a subscriber actor receives every event with its fields",
          "[telemetry][bus]") {
  system_fixture f;
  caf::scoped_actor self{f.sys};
  auto before = subscriber_count();
  auto snapshot_before = subscriber_count(topic::snapshots);
  auto fwd = self->spawn(forwarder, caf::actor_cast<caf::actor>(self));
  f.sync(fwd); // its init ran: subscribed
  CHECK(subscriber_count() == before + 1);
  CHECK(has_subscribers());
  auto sent = one_of_each();
  // From an actor (sender set) and from outside any actor.
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (i % 2 == 0)
      publish(self.ptr(), sent[i]);
    else
      publish(f.sys, sent[i]);
  }
  auto got = receive_events(self, sent.size());
  REQUIRE(got.size() == sent.size());
  std::set<std::string> names;
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(name_of(sent[i]));
    CHECK(got[i].index() == sent[i].index());
    CHECK(describe(got[i]) == describe(sent[i]));
    CHECK(time_of(got[i]) == time_of(sent[i]));
    names.insert(name_of(got[i]));
  }
  CHECK(names.size() == event_table().size());
  f.stop(fwd);
  CHECK(system_fixture::subscribers_become(before, snapshot_before));
}

TEST_CASE("an actor that unsubscribes gets no more events",
          "[telemetry][bus]") {
  system_fixture f;
  caf::scoped_actor self{f.sys};
  auto before = subscriber_count();
  auto fwd = self->spawn(forwarder, caf::actor_cast<caf::actor>(self));
  f.sync(fwd);
  publish(f.sys, make_pool_saturated("default", 1, 1, 0, 1));
  CHECK(receive_events(self, 1).size() == 1);
  self->request(fwd, 10s, leave_atom::value).receive([](leave_atom) {},
                                                     [](caf::error&) {
                                                       FAIL("no reply");
                                                     });
  CHECK(subscriber_count() == before);
  publish(f.sys, make_pool_saturated("default", 2, 2, 0, 1));
  // Anything forwarded would reach us before the sync reply does.
  f.sync(fwd);
  CHECK(mailbox_empty(self));
  f.stop(fwd);
}

TEST_CASE("a subscriber that dies is dropped", "[telemetry][bus]") {
  system_fixture f;
  caf::scoped_actor self{f.sys};
  auto before = subscriber_count();
  auto fwd = self->spawn<caf::monitored>(forwarder,
                                         caf::actor_cast<caf::actor>(self));
  f.sync(fwd);
  subscribe(fwd, topic::snapshots);
  CHECK(subscriber_count() == before + 1);
  CHECK(subscriber_count(topic::snapshots) >= 1);
  self->send_exit(fwd, caf::exit_reason::kill);
  self->receive([](caf::down_msg&) {},
                caf::after(10s) >> [] { FAIL("no down_msg"); });
  CHECK(system_fixture::subscribers_become(before, 0));
  // Publishing afterwards is harmless.
  publish(f.sys, make_pool_saturated("default", 1, 1, 0, 1));
  publish(f.sys, pool_snapshot{});
  CHECK(mailbox_empty(self));
}

TEST_CASE("subscribing from outside takes effect at once",
          "[telemetry][bus]") {
  system_fixture f;
  caf::scoped_actor self{f.sys};
  auto me = caf::actor_cast<caf::actor>(self);
  subscribe(me);
  subscribe(me); // twice is once
  auto count = subscriber_count();
  publish(f.sys, make_capacity_reached("default", "default/w1", 4, 4));
  auto got = receive_events(self, 1);
  CHECK(std::get<pool_capacity_reached>(got.at(0)).worker == "default/w1");
  unsubscribe(me);
  CHECK(subscriber_count() == count - 1);
  publish(f.sys, make_capacity_reached("default", "default/w1", 4, 4));
  CHECK(mailbox_empty(self));
}

TEST_CASE("events stay within their actor system", "[telemetry][bus]") {
  system_fixture a;
  system_fixture b;
  caf::scoped_actor in_a{a.sys};
  subscribe(caf::actor_cast<caf::actor>(in_a));
  publish(b.sys, make_pool_saturated("other", 1, 1, 0, 1));
  publish(a.sys, make_pool_saturated("mine", 1, 1, 0, 1));
  auto got = receive_events(in_a, 1);
  CHECK(pool_of(got.at(0)) == "mine");
  CHECK(mailbox_empty(in_a));
}

TEST_CASE("callbacks receive events and snapshots until cancelled",
          "[telemetry][bus]") {
  system_fixture f;
  auto events_before = subscriber_count();
  auto snaps_before = subscriber_count(topic::snapshots);
  auto seen = std::make_shared<std::atomic<int>>(0);
  auto snaps = std::make_shared<std::atomic<int>>(0);
  auto sub = subscribe(
    f.sys, [seen](const event&) { ++*seen; },
    [snaps](const pool_snapshot& s) {
      if (s.name == "default")
        ++*snaps;
    });
  REQUIRE(sub);
  CHECK(subscriber_count() == events_before + 1);
  CHECK(subscriber_count(topic::snapshots) == snaps_before + 1);
  for (const auto& ev : one_of_each())
    publish(f.sys, ev);
  pool_snapshot snap;
  snap.name = "default";
  publish(f.sys, snap);
  f.sync(sub.actor());
  CHECK(*seen == static_cast<int>(one_of_each().size()));
  CHECK(*snaps == 1);
  auto moved = std::move(sub);
  CHECK(!sub);
  moved.cancel();
  CHECK(!moved);
  CHECK(subscriber_count() == events_before);
  CHECK(subscriber_count(topic::snapshots) == snaps_before);
  publish(f.sys, make_pool_saturated("default", 1, 1, 0, 1));
}

TEST_CASE("publishing without subscribers does nothing", "[telemetry][bus]") {
  system_fixture f;
  REQUIRE(subscriber_count() == 0);
  CHECK(!has_subscribers());
  CHECK(!has_subscribers(topic::snapshots));
  publish(f.sys, make_pool_saturated("default", 1, 1, 0, 1));
  publish(f.sys, pool_snapshot{});
}

TEST_CASE("a sink is called inside publish until cancelled",
          "[telemetry][bus]") {
  system_fixture a;
  system_fixture b;
  auto events_before = subscriber_count();
  std::vector<std::string> pools; // no lock: every call is on this thread
  int snaps = 0;
  auto s = add_sink(
    a.sys, [&](const event& ev) { pools.push_back(pool_of(ev)); },
    [&](const pool_snapshot&) { ++snaps; });
  REQUIRE(s);
  CHECK(has_subscribers());
  CHECK(subscriber_count() == events_before + 1);
  publish(a.sys, make_pool_saturated("mine", 1, 1, 0, 1));
  publish(b.sys, make_pool_saturated("other", 1, 1, 0, 1));
  publish(a.sys, pool_snapshot{});
  // Synchronous: already applied when publish returned; only sys a's.
  CHECK(pools == std::vector<std::string>{"mine"});
  CHECK(snaps == 1);
  // Sinks and subscriber actors both get the event.
  caf::scoped_actor self{a.sys};
  subscribe(caf::actor_cast<caf::actor>(self));
  publish(a.sys, make_pool_saturated("both", 1, 1, 0, 1));
  CHECK(pool_of(receive_events(self, 1).at(0)) == "both");
  CHECK(pools.back() == "both");
  unsubscribe(caf::actor_cast<caf::actor>(self));
  auto moved = std::move(s);
  CHECK(!s);
  moved.cancel();
  CHECK(subscriber_count() == events_before);
  publish(a.sys, make_pool_saturated("after", 1, 1, 0, 1));
  CHECK(pools.size() == 2);
}
