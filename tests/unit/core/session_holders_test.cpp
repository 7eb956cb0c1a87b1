#include "core/session_holders.hpp"

#include <catch2/catch.hpp>

using namespace snakepit;
using namespace std::chrono_literals;
using kind = session_route::kind;

namespace {

const time_point t0{};

} // namespace

TEST_CASE("session_holders: a session stays with the holder of its first "
          "call",
          "[session_holders]") {
  session_holders s{1h, 10};
  CHECK(s.route("a").route == kind::new_session);
  s.call_started("a", 1, t0);
  auto r = s.route("a");
  CHECK(r.route == kind::holder);
  CHECK(r.holder == 1u);
  // Only its first call binds it.
  s.call_started("a", 0, t0 + 1s);
  CHECK(s.route("a").holder == 1u);
  CHECK(s.size() == 1u);
}

TEST_CASE("session_holders: a gone holder's sessions are lost until "
          "closed or expired",
          "[session_holders]") {
  session_holders s{1min, 10};
  s.call_started("a", 0, t0);
  s.call_started("b", 1, t0);
  s.call_ended("a", t0);
  s.call_ended("b", t0);
  s.holder_gone(0, "member p stopped", t0 + 10s);
  auto r = s.route("a");
  CHECK(r.route == kind::lost);
  CHECK(r.reason == "member p stopped");
  CHECK(s.route("b").route == kind::holder);
  // A call of a lost session that still ends later keeps it lost.
  s.call_ended("a", t0 + 20s);
  CHECK(s.route("a").route == kind::lost);
  // Closed: its next request opens a new session.
  s.forget("a");
  CHECK(s.route("a").route == kind::new_session);
}

TEST_CASE("session_holders: idle sessions expire after the ttl, busy ones "
          "never",
          "[session_holders]") {
  session_holders s{1min, 10};
  s.call_started("idle", 0, t0);
  s.call_ended("idle", t0 + 1s);
  s.call_started("busy", 0, t0);
  s.holder_gone(1, "gone", t0);
  CHECK(s.expire(t0 + 60s) == 0u);
  CHECK(s.expire(t0 + 61s) == 1u);
  CHECK(s.route("idle").route == kind::new_session);
  CHECK(s.route("busy").route == kind::holder);
  CHECK(s.expire(t0 + 10h) == 0u);
  // A lost session expires from when it was lost, a call still running
  // on its gone holder or not.
  s.holder_gone(0, "gone", t0 + 10h);
  CHECK(s.expire(t0 + 10h + 59s) == 0u);
  CHECK(s.expire(t0 + 10h + 60s) == 1u);
  CHECK(s.size() == 0u);
}

TEST_CASE("session_holders: an infinite ttl keeps sessions until closed",
          "[session_holders]") {
  session_holders s{std::chrono::milliseconds::max(), 10};
  s.call_started("a", 0, t0);
  s.call_ended("a", t0);
  CHECK(s.expire(time_point::max() - 1h) == 0u);
  CHECK(s.size() == 1u);
}

TEST_CASE("session_holders: new sessions beyond max_sessions are refused, "
          "known ones still routed",
          "[session_holders]") {
  session_holders s{1h, 2};
  s.call_started("a", 0, t0);
  s.call_started("b", 1, t0);
  CHECK(s.route("c").route == kind::full);
  CHECK(s.route("a").route == kind::holder);
  s.holder_gone(0, "gone", t0);
  // Lost sessions count until closed.
  CHECK(s.route("c").route == kind::full);
  s.forget("a");
  CHECK(s.route("c").route == kind::new_session);
}

TEST_CASE("session_holders: ids a pool would refuse are refused, not "
          "remembered",
          "[session_holders]") {
  session_holders s{1h, 10};
  auto long_id = s.route(std::string(1025, 'x'));
  CHECK(long_id.route == kind::invalid);
  CHECK_THAT(long_id.reason, Catch::Contains("session_id"));
  CHECK(s.route(std::string{"a\xff"}).route == kind::invalid);
  CHECK(s.route(std::string(1024, 'x')).route == kind::new_session);
  CHECK(s.size() == 0u);
}
