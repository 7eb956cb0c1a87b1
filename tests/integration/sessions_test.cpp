// Sessions with affinity (docs/sessions.md), on both transports: a
// session's requests reach the worker holding its state; each affinity
// mode under a busy worker; expiry and close reach the adapter; a crash
// loses the session (`session_lost`, never a silent fresh state); a
// recycle moves the state with the adapter's snapshot hooks (native) or
// loses it (gRPC, or an adapter without the hooks).

#include <catch2/catch.hpp>

#include <set>

#include <signal.h>

#include "calls.hpp"
#include "event_log.hpp"
#include "host_fixture.hpp"
#include "support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono_literals;
namespace tel = snakepit::telemetry;

namespace {

constexpr const char* counter_adapter
  = "snakepit_bridge.adapters.session_counter.SessionCounterAdapter";

/// The counter plus `hold(ms)` and `closes()` (python/tests).
constexpr const char* hooks_adapter
  = "snakepit_test_adapters.session_hooks.SessionHooksAdapter";

/// A pool of one worker serving `adapter`, its run directory in `tmp`.
host_config one_worker_of(const temp_dir& tmp, const char* adapter) {
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].adapter = adapter;
  return cfg;
}

/// A request of session `session` with affinity `mode`.
execute_request session_request(std::string command, std::string args,
                                std::string session,
                                affinity_mode mode = affinity_mode::pool_default) {
  auto req = make_request("", std::move(command), std::move(args));
  req.session_id = std::move(session);
  req.affinity = mode;
  return req;
}

/// `session_add` of `amount` in `session`.
execute_request add(const std::string& session, int amount = 1,
                    affinity_mode mode = affinity_mode::pool_default) {
  return session_request("session_add",
                         "{\"amount\": " + std::to_string(amount) + "}",
                         session, mode);
}

/// The running total a `session_add` or `session_peek` reply reports.
int total_of(const execute_reply& reply) {
  INFO(describe(reply));
  REQUIRE(reply.ok());
  return result_of(reply).at("total").get<int>();
}

/// A `sleep` of `ms` in `session`, so that its worker is busy.
execute_request busy_in(const std::string& session, int ms,
                        affinity_mode mode = affinity_mode::strict_queue) {
  return session_request("sleep", sleep_args(ms), session, mode);
}

/// Waits until `session`'s worker runs a call.
void await_busy(host_fixture& host, int busy) {
  REQUIRE(eventually([&] { return host.status().busy_slots == busy; }));
}

bool on_grpc(const host_fixture& host) {
  return host.config().pools.front().transport == worker_transport::grpc;
}

} // namespace

TEST_CASE("sessions: every request of a session reaches the worker that "
          "holds its state, under concurrent load",
          "[integration][sessions]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 3);
  cfg.pools[0].session_affinity = affinity_mode::strict_queue;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  constexpr int sessions = 6;
  constexpr int calls = 8;
  std::vector<std::future<execute_reply>> replies;
  for (int round = 0; round < calls; ++round)
    for (int s = 0; s < sessions; ++s)
      replies.push_back(exec_async(host, add("s" + std::to_string(s))));
  std::map<std::string, std::set<std::string>> workers;
  std::map<std::string, std::set<int>> totals;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    auto reply = replies[i].get();
    auto session = "s" + std::to_string(i % sessions);
    totals[session].insert(total_of(reply));
    workers[session].insert(reply->worker);
  }
  std::set<std::string> used;
  for (int s = 0; s < sessions; ++s) {
    auto session = "s" + std::to_string(s);
    INFO(session);
    CHECK(workers[session].size() == 1);
    // Every call saw the state the one before left: 1, 2, ..., calls.
    CHECK(totals[session].size() == calls);
    CHECK(*totals[session].rbegin() == calls);
    used.insert(*workers[session].begin());
  }
  // New sessions spread over the workers.
  CHECK(used.size() > 1);
  auto st = host.status();
  CHECK(st.sessions == sessions);
  CHECK(st.sessions_lost == 0);
}

TEST_CASE("sessions: when the session's worker is busy, hint runs elsewhere, "
          "strict_queue waits, strict_fail_fast fails at once",
          "[integration][sessions]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 2)};
  REQUIRE(host.await_ready().all_ready());
  auto first = host.client().execute(add("s"));
  REQUIRE(total_of(first) == 1);
  auto home = first->worker;

  auto sleeping = exec_async(host, busy_in("s", 1500));
  await_busy(host, 1);

  auto refused = host.client().execute(add("s", 1,
                                           affinity_mode::strict_fail_fast));
  CHECK(refused.code() == error_code::session_busy);
  CHECK(contains(refused.error().message, "strict_fail_fast"));

  auto waited = exec_async(host, add("s", 1, affinity_mode::strict_queue));
  auto elsewhere = host.client().execute(add("s", 1, affinity_mode::hint));
  INFO(describe(elsewhere));
  REQUIRE(elsewhere.ok());
  CHECK(elsewhere->worker != home);
  // The other worker has a state of its own for the session.
  CHECK(total_of(elsewhere) == 1);

  auto after = waited.get();
  CHECK(total_of(after) == 2);
  CHECK(after->worker == home);
  CHECK(after->queue_us > 0);
  CHECK(sleeping.get().ok());
  // The owner stays the owner: the next hint request goes home again.
  auto next = host.client().execute(add("s", 1, affinity_mode::hint));
  CHECK(total_of(next) == 3);
  CHECK(next->worker == home);
}

TEST_CASE("sessions: an idle session expires after session_ttl and its "
          "adapter's close_session runs, and close_session closes at once",
          "[integration][sessions]") {
  temp_dir tmp;
  auto cfg = one_worker_of(tmp, counter_adapter);
  cfg.pools[0].session_ttl = 400ms;
  host_fixture host{cfg};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  CHECK(total_of(host.client().execute(add("idle", 5))) == 5);
  CHECK(total_of(host.client().execute(add("closed", 7))) == 7);
  CHECK(host.status().sessions == 2);

  auto closed = host.client().close_session("default", "closed");
  REQUIRE(closed.ok());
  CHECK(*closed);
  auto again = host.client().close_session("default", "closed");
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
  // Reopened, it starts from nothing.
  CHECK(total_of(host.client().execute(add("closed", 1))) == 1);

  // Both expire: "idle" and the reopened "closed".
  REQUIRE(eventually([&] {
    return events.of<tel::session_expired>().size() == 2;
  }));
  for (const auto& ev : events.of<tel::session_expired>()) {
    CHECK(ev.worker == "default/w1");
    CHECK(ev.idle >= 400ms);
  }
  CHECK(host.status().sessions == 0);
  auto names = result_of(host.exec("closed_sessions"));
  REQUIRE(names.size() == 3);
  CHECK(names.at(0) == "closed");
  CHECK(std::set<std::string>{names.at(1), names.at(2)}
        == std::set<std::string>{"closed", "idle"});
  CHECK(total_of(host.client().execute(add("idle", 1))) == 1);
  CHECK(events.of<tel::session_created>().size() == 4);
  events.cancel();
}

TEST_CASE("sessions: a close while a call of the session runs waits for "
          "the call, then the adapter's close_session runs",
          "[integration][sessions]") {
  temp_dir tmp;
  auto cfg = one_worker_of(tmp, hooks_adapter);
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  REQUIRE(total_of(host.client().execute(add("s", 5))) == 5);
  auto held = exec_async(host, session_request("hold", sleep_args(1500), "s"));
  await_busy(host, 1);

  auto closed = host.client().close_session("default", "s");
  REQUIRE(closed.ok());
  CHECK(*closed);
  auto again = host.client().close_session("default", "s");
  REQUIRE(again.ok());
  CHECK_FALSE(*again); // closed already, though not done yet
  auto refused = host.client().execute(add("s", 1,
                                           affinity_mode::strict_fail_fast));
  CHECK(refused.code() == error_code::session_busy);
  CHECK(contains(refused.error().message, "being closed"));
  // A request after the close waits for it, then opens a new session.
  auto reopened = exec_async(host, add("s", 1, affinity_mode::hint));

  auto held_reply = held.get();
  INFO(describe(held_reply));
  REQUIRE(held_reply.ok());
  CHECK(result_of(held_reply).get<int>() == 5); // it kept its state
  CHECK(total_of(reopened.get()) == 1);
  auto closes = result_of(host.exec("closes"));
  INFO(closes.dump());
  REQUIRE(closes.size() == 1);
  CHECK(closes[0]["session"] == "s");
  // The hook ran once the call had ended.
  CHECK(closes[0]["running"] == 0);
  CHECK(host.status().sessions == 1);
}

TEST_CASE("sessions: a crash loses the session: session_lost until it is "
          "closed, never a fresh state in silence",
          "[integration][sessions]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 2)};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  auto first = host.client().execute(add("s", 3));
  REQUIRE(total_of(first) == 3);
  auto crashed = host.client().execute(
    session_request("crash", "{}", "s"));
  CHECK(crashed.code() == error_code::worker_crashed);
  for (auto mode : {affinity_mode::hint, affinity_mode::strict_queue,
                    affinity_mode::strict_fail_fast}) {
    auto lost = host.client().execute(add("s", 1, mode));
    INFO(to_string(mode));
    CHECK(lost.code() == error_code::session_lost);
    CHECK(contains(lost.error().message, first->worker));
  }
  CHECK(host.status().sessions_lost == 1);
  auto reports = events.of<tel::session_lost>();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].session == "s");
  CHECK(reports[0].worker == first->worker);
  // Other sessions are unaffected; closing the lost one starts it anew.
  CHECK(total_of(host.client().execute(add("other"))) == 1);
  REQUIRE(*host.client().close_session("default", "s"));
  CHECK(total_of(host.client().execute(add("s"))) == 1);
  events.cancel();
}

TEST_CASE("sessions: requests waiting for a session's worker get "
          "session_lost when it crashes",
          "[integration][sessions]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 2)};
  REQUIRE(host.await_ready().all_ready());
  auto first = host.client().execute(add("s"));
  REQUIRE(total_of(first) == 1);
  auto dying = exec_async(host, busy_in("s", 5000));
  await_busy(host, 1);
  std::vector<std::future<execute_reply>> waiting;
  for (int i = 0; i < 3; ++i)
    waiting.push_back(exec_async(host, add("s", 1,
                                           affinity_mode::strict_queue)));
  REQUIRE(eventually([&] { return host.status().queue_depth == 3; }));
  int pid = host.worker_pid(first->worker);
  REQUIRE(pid > 0);
  ::kill(pid, SIGKILL);
  CHECK(dying.get().code() == error_code::worker_crashed);
  for (auto& w : waiting)
    CHECK(w.get().code() == error_code::session_lost);
}

TEST_CASE("sessions: a recycle moves the state to the replacement with the "
          "adapter's snapshot hooks, and requests meanwhile wait for it",
          "[integration][sessions]") {
  temp_dir tmp;
  auto cfg = one_worker_of(tmp, counter_adapter);
  host_fixture host{cfg};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  auto first = host.client().execute(add("s", 40));
  REQUIRE(total_of(first) == 40);
  CHECK(total_of(host.client().execute(add("t", 2))) == 2);
  auto ack = host.client().recycle("default");
  REQUIRE(ack.ok());
  if (on_grpc(host)) {
    // gRPC has no way to move a state: the sessions are lost.
    REQUIRE(eventually([&] {
      return events.of<tel::session_lost>().size() == 2;
    }));
    auto lost = host.client().execute(add("s"));
    CHECK(lost.code() == error_code::session_lost);
    CHECK(contains(lost.error().message, "native transport"));
    events.cancel();
    return;
  }
  REQUIRE(eventually([&] {
    return events.of<tel::session_moved>().size() == 2;
  }));
  auto moved = host.client().execute(add("s", 2));
  CHECK(total_of(moved) == 42);
  CHECK(moved->worker != first->worker);
  CHECK(total_of(host.client().execute(add("t", 1))) == 3);
  auto report = events.of<tel::session_moved>();
  CHECK(report[0].worker == first->worker);
  CHECK(report[0].to_worker == moved->worker);
  CHECK(report[0].state_bytes > 0);
  CHECK(events.of<tel::session_lost>().empty());
  events.cancel();
}

TEST_CASE("sessions: a move cut off by drain_timeout loses the session "
          "and says what held it up",
          "[integration][sessions]") {
  temp_dir tmp;
  auto cfg = one_worker_of(tmp, hooks_adapter);
  cfg.pools[0].drain_timeout = 300ms;
  host_fixture host{cfg};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  REQUIRE(total_of(host.client().execute(add("s", 4))) == 4);
  REQUIRE(host.client()
            .execute(session_request("slow_snapshot", "{\"ms\": 1500}", "s"))
            .ok());
  REQUIRE(host.client().recycle("default").ok());
  REQUIRE(eventually([&] {
    return events.of<tel::session_lost>().size() == 1;
  }));
  auto reason = events.of<tel::session_lost>()[0].reason;
  INFO(reason);
  if (on_grpc(host)) {
    CHECK(contains(reason, "native transport"));
  } else {
    // No call ran: the snapshot was under way.
    CHECK(contains(reason, "moving its state did not finish within "
                           "drain_timeout (300 ms)"));
    CHECK_FALSE(contains(reason, "call"));
  }
  events.cancel();
}

TEST_CASE("sessions: without snapshot hooks a recycle loses the sessions",
          "[integration][sessions]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  event_log events{host.system()};
  REQUIRE(host.await_ready().all_ready());
  REQUIRE(total_of(host.client().execute(add("s", 4))) == 4);
  REQUIRE(host.client().recycle("default").ok());
  REQUIRE(eventually([&] {
    return events.of<tel::session_lost>().size() == 1;
  }));
  auto lost = host.client().execute(add("s"));
  CHECK(lost.code() == error_code::session_lost);
  if (!on_grpc(host))
    CHECK(contains(lost.error().message, "snapshot_session"));
  events.cancel();
}

TEST_CASE("sessions: max_sessions bounds the sessions a pool keeps",
          "[integration][sessions]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].max_sessions = 2;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  CHECK(total_of(host.client().execute(add("a"))) == 1);
  CHECK(total_of(host.client().execute(add("b"))) == 1);
  auto refused = host.client().execute(add("c"));
  CHECK(refused.code() == error_code::pool_saturated);
  CHECK(contains(refused.error().message, "max_sessions"));
  // Known sessions still run; closing one makes room.
  CHECK(total_of(host.client().execute(add("a"))) == 2);
  REQUIRE(*host.client().close_session("default", "b"));
  CHECK(total_of(host.client().execute(add("c"))) == 1);
}
