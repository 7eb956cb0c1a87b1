// The OTP supervisor, driven with small test actors: restart strategies,
// restart types, escalation when the budget is spent, and shutdown with a
// timeout then kill.

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <snakepit/errors.hpp>
#include <snakepit/snakepit.hpp>
#include <snakepit/supervision.hpp>

#include "messages/atoms.hpp"

using namespace snakepit;
using namespace std::chrono_literals;

namespace {

using crash_atom = caf::atom_constant<caf::atom("t_crash")>;
using finish_atom = caf::atom_constant<caf::atom("t_finish")>;

/// Counts how often each child id was started.
struct start_log {
  std::mutex mtx;
  std::map<std::string, int> starts;

  void record(const std::string& id) {
    std::lock_guard<std::mutex> guard{mtx};
    ++starts[id];
  }

  int count(const std::string& id) {
    std::lock_guard<std::mutex> guard{mtx};
    return starts[id];
  }
};

/// A child that crashes or finishes on request; `stubborn` ones ignore
/// exit messages (to test the kill after the shutdown timeout).
caf::behavior test_child(caf::event_based_actor* self, bool stubborn) {
  if (stubborn)
    self->set_exit_handler([](caf::exit_msg&) {});
  return {
    [self](crash_atom) {
      self->quit(to_caf_error(make_failure(error_code::worker_crashed,
                                           "test crash")));
    },
    [self](finish_atom) { self->quit(); },
  };
}

/// A child that fails as soon as it starts.
caf::behavior failing_child(caf::event_based_actor* self) {
  self->quit(to_caf_error(make_failure(error_code::pool_failed,
                                       "cannot start: missing thing")));
  return {};
}

child_spec make_child(std::shared_ptr<start_log> log, std::string id,
                      restart_type restart = restart_type::permanent,
                      bool stubborn = false) {
  child_spec spec;
  spec.id = id;
  spec.restart = restart;
  spec.shutdown_timeout = 200ms;
  spec.start = [log, id, stubborn](caf::local_actor* sup) {
    log->record(id);
    return sup->spawn<caf::linked>(test_child, stubborn);
  };
  return spec;
}

supervisor_flags fast_flags(restart_strategy strategy) {
  supervisor_flags flags;
  flags.name = "test";
  flags.strategy = strategy;
  flags.intensity = 3;
  flags.period = 5s;
  flags.backoff = 1ms;
  flags.backoff_max = 10ms;
  return flags;
}

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<start_log> log = std::make_shared<start_log>();

  fixture() {
    register_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  caf::actor lookup(const caf::actor& sup, const std::string& id) {
    caf::scoped_actor self{*sys};
    caf::actor out;
    self->request(sup, 5s, lookup_atom::value, id)
      .receive([&](caf::actor& a) { out = a; }, [](caf::error&) {});
    return out;
  }

  /// Waits (bounded) until `id` has been started `n` times.
  bool wait_starts(const std::string& id, int n) {
    for (int i = 0; i < 1000; ++i) {
      if (log->count(id) >= n)
        return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  /// Stops `sup` and returns the reason it went down with.
  caf::error stop_and_wait(const caf::actor& sup, bool send_exit = true) {
    caf::scoped_actor self{*sys};
    self->monitor(sup);
    if (send_exit)
      self->send_exit(sup, caf::exit_reason::user_shutdown);
    caf::error reason;
    self->receive([&](caf::down_msg& msg) { reason = msg.reason; },
                  caf::after(10s) >> [&] { reason = caf::sec::request_timeout; });
    return reason;
  }
};

} // namespace

TEST_CASE("one_for_one restarts only the failed child", "[supervisor]") {
  fixture f;
  auto sup = spawn_supervisor(*f.sys, fast_flags(restart_strategy::one_for_one),
                              {make_child(f.log, "a"), make_child(f.log, "b")});
  auto a = f.lookup(sup, "a");
  auto b = f.lookup(sup, "b");
  caf::anon_send(a, crash_atom::value);
  REQUIRE(f.wait_starts("a", 2));
  CHECK(f.lookup(sup, "a") != a);
  CHECK(f.lookup(sup, "b") == b);
  CHECK(f.log->count("b") == 1);
  CHECK(f.stop_and_wait(sup) == caf::exit_reason::user_shutdown);
}

TEST_CASE("one_for_all restarts every child", "[supervisor]") {
  fixture f;
  auto sup = spawn_supervisor(*f.sys, fast_flags(restart_strategy::one_for_all),
                              {make_child(f.log, "a"), make_child(f.log, "b")});
  auto b = f.lookup(sup, "b");
  caf::anon_send(f.lookup(sup, "a"), crash_atom::value);
  REQUIRE(f.wait_starts("a", 2));
  REQUIRE(f.wait_starts("b", 2));
  CHECK(f.lookup(sup, "b") != b);
  f.stop_and_wait(sup);
}

TEST_CASE("rest_for_one restarts the failed child and later ones",
          "[supervisor]") {
  fixture f;
  auto sup = spawn_supervisor(*f.sys,
                              fast_flags(restart_strategy::rest_for_one),
                              {make_child(f.log, "a"), make_child(f.log, "b"),
                               make_child(f.log, "c")});
  caf::anon_send(f.lookup(sup, "b"), crash_atom::value);
  REQUIRE(f.wait_starts("b", 2));
  REQUIRE(f.wait_starts("c", 2));
  CHECK(f.log->count("a") == 1);
  f.stop_and_wait(sup);
}

TEST_CASE("transient and temporary children follow their restart type",
          "[supervisor]") {
  fixture f;
  auto sup = spawn_supervisor(
    *f.sys, fast_flags(restart_strategy::one_for_one),
    {make_child(f.log, "transient", restart_type::transient),
     make_child(f.log, "temporary", restart_type::temporary),
     make_child(f.log, "permanent", restart_type::permanent)});
  // A normal exit: only the permanent child comes back.
  caf::anon_send(f.lookup(sup, "transient"), finish_atom::value);
  caf::anon_send(f.lookup(sup, "temporary"), crash_atom::value);
  caf::anon_send(f.lookup(sup, "permanent"), finish_atom::value);
  REQUIRE(f.wait_starts("permanent", 2));
  CHECK(f.log->count("transient") == 1);
  CHECK(f.log->count("temporary") == 1);
  CHECK(!f.lookup(sup, "temporary"));
  // A crash of a transient child is restarted.
  auto sup2 = spawn_supervisor(
    *f.sys, fast_flags(restart_strategy::one_for_one),
    {make_child(f.log, "t2", restart_type::transient)});
  caf::anon_send(f.lookup(sup2, "t2"), crash_atom::value);
  REQUIRE(f.wait_starts("t2", 2));
  f.stop_and_wait(sup);
  f.stop_and_wait(sup2);
}

TEST_CASE("a spent restart budget escalates with the child's failure",
          "[supervisor]") {
  fixture f;
  auto log = f.log;
  child_spec spec;
  spec.id = "broken";
  spec.start = [log](caf::local_actor* sup) {
    log->record("broken");
    return sup->spawn<caf::linked>(failing_child);
  };
  auto flags = fast_flags(restart_strategy::one_for_one);
  flags.intensity = 2;
  caf::scoped_actor self{*f.sys};
  auto sup = spawn_supervisor(*f.sys, flags, {spec});
  auto reason = f.stop_and_wait(sup, false);
  auto why = from_caf_error(reason);
  CHECK(why.code == error_code::pool_failed);
  CHECK_THAT(why.message, Catch::Contains("gave up after 3 failures"));
  CHECK_THAT(why.message, Catch::Contains("cannot start: missing thing"));
  // Started once, restarted `intensity` times, then no more.
  CHECK(log->count("broken") == 3);
}

TEST_CASE("a child that ignores the stop is killed after its timeout",
          "[supervisor]") {
  fixture f;
  auto sup = spawn_supervisor(
    *f.sys, fast_flags(restart_strategy::one_for_one),
    {make_child(f.log, "stubborn", restart_type::permanent, true)});
  auto child = f.lookup(sup, "stubborn");
  caf::scoped_actor self{*f.sys};
  self->monitor(child);
  CHECK(f.stop_and_wait(sup) == caf::exit_reason::user_shutdown);
  caf::error child_reason;
  self->receive([&](caf::down_msg& msg) { child_reason = msg.reason; },
                caf::after(5s) >> [] {});
  CHECK(child_reason == caf::exit_reason::kill);
}

namespace {

caf::actor replace(fixture& f, const caf::actor& sup, const std::string& id) {
  caf::scoped_actor self{*f.sys};
  caf::actor out;
  self->request(sup, 5s, replace_child_atom::value, id)
    .receive([&](caf::actor& a) { out = a; }, [](caf::error&) {});
  return out;
}

/// Replaces child `id` only if it runs `instance`.
caf::actor replace_instance(fixture& f, const caf::actor& sup,
                            const std::string& id,
                            const caf::actor& instance) {
  caf::scoped_actor self{*f.sys};
  caf::actor out;
  self->request(sup, 5s, replace_child_atom::value, id, instance)
    .receive([&](caf::actor& a) { out = a; }, [](caf::error&) {});
  return out;
}

} // namespace

TEST_CASE("replace_child starts a new instance while the old one runs",
          "[supervisor]") {
  fixture f;
  auto flags = fast_flags(restart_strategy::one_for_one);
  flags.intensity = 0; // any charged restart would escalate
  auto sup = spawn_supervisor(*f.sys, flags, {make_child(f.log, "a")});
  auto old = f.lookup(sup, "a");
  auto fresh = replace(f, sup, "a");
  REQUIRE(fresh);
  CHECK(fresh != old);
  CHECK(f.lookup(sup, "a") == fresh);
  CHECK(f.log->count("a") == 2);
  // The old instance is still alive; stopping it (even by a crash) neither
  // restarts it nor spends the budget.
  caf::scoped_actor self{*f.sys};
  self->monitor(old);
  caf::anon_send(old, crash_atom::value);
  self->receive([](caf::down_msg&) {}, caf::after(5s) >> [] { FAIL("old"); });
  std::this_thread::sleep_for(50ms);
  CHECK(f.log->count("a") == 2);
  CHECK(f.lookup(sup, "a") == fresh);
  CHECK(!replace(f, sup, "missing"));
  CHECK(f.stop_and_wait(sup) == caf::exit_reason::user_shutdown);
}

TEST_CASE("replace_child of an instance leaves a child alone once it "
          "restarted",
          "[supervisor]") {
  fixture f;
  auto sup = spawn_supervisor(*f.sys, fast_flags(restart_strategy::one_for_one),
                              {make_child(f.log, "a")});
  auto first = f.lookup(sup, "a");
  // The instance crashes and is restarted before the replacement is asked
  // for: the fresh instance is not replaced, and nothing else starts.
  caf::anon_send(first, crash_atom::value);
  REQUIRE(f.wait_starts("a", 2));
  auto second = f.lookup(sup, "a");
  REQUIRE(second);
  CHECK(second != first);
  CHECK(!replace_instance(f, sup, "a", first));
  CHECK(!replace_instance(f, sup, "a", caf::actor{}));
  CHECK(f.log->count("a") == 2);
  CHECK(f.lookup(sup, "a") == second);
  // The instance it runs is replaced.
  auto third = replace_instance(f, sup, "a", second);
  REQUIRE(third);
  CHECK(third != second);
  CHECK(f.log->count("a") == 3);
  CHECK(f.stop_and_wait(sup) == caf::exit_reason::user_shutdown);
}

namespace {

bool adopt(fixture& f, const caf::actor& sup, const std::string& from,
           const std::string& into, const caf::actor& instance) {
  caf::scoped_actor self{*f.sys};
  bool out = false;
  self->request(sup, 5s, adopt_child_atom::value, from, into, instance)
    .receive([&](bool moved) { out = moved; }, [](caf::error&) {});
  return out;
}

} // namespace

TEST_CASE("adopt_child moves a spare into a child and starts a new spare",
          "[supervisor]") {
  fixture f;
  auto sup = spawn_supervisor(*f.sys, fast_flags(restart_strategy::one_for_one),
                              {make_child(f.log, "a"),
                               make_child(f.log, "spare")});
  auto old = f.lookup(sup, "a");
  auto spare = f.lookup(sup, "spare");
  CHECK(!adopt(f, sup, "spare", "a", old));
  CHECK(!adopt(f, sup, "spare", "missing", spare));
  CHECK(!adopt(f, sup, "spare", "spare", spare));
  CHECK(f.log->count("spare") == 1);
  REQUIRE(adopt(f, sup, "spare", "a", spare));
  CHECK(f.lookup(sup, "a") == spare);
  auto next_spare = f.lookup(sup, "spare");
  CHECK(next_spare);
  CHECK(next_spare != spare);
  CHECK(f.log->count("spare") == 2);
  CHECK(f.log->count("a") == 1);
  // The old instance retired: its crash restarts nothing.
  caf::scoped_actor self{*f.sys};
  self->monitor(old);
  caf::anon_send(old, crash_atom::value);
  self->receive([](caf::down_msg&) {}, caf::after(5s) >> [] { FAIL("old"); });
  std::this_thread::sleep_for(50ms);
  CHECK(f.log->count("a") == 1);
  // The adopted instance is child "a" now: its crash restarts "a".
  self->monitor(spare);
  caf::anon_send(spare, crash_atom::value);
  self->receive([](caf::down_msg&) {}, caf::after(5s) >> [] { FAIL("spare"); });
  for (int i = 0; i < 100 && f.log->count("a") < 2; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(f.log->count("a") == 2);
  CHECK(f.log->count("spare") == 2);
  CHECK(f.stop_and_wait(sup) == caf::exit_reason::user_shutdown);
}

TEST_CASE("a shutdown also stops replaced instances, killing stubborn ones",
          "[supervisor]") {
  fixture f;
  auto sup = spawn_supervisor(
    *f.sys, fast_flags(restart_strategy::one_for_one),
    {make_child(f.log, "s", restart_type::permanent, true)});
  auto old = f.lookup(sup, "s");
  REQUIRE(replace(f, sup, "s"));
  caf::scoped_actor self{*f.sys};
  self->monitor(old);
  CHECK(f.stop_and_wait(sup) == caf::exit_reason::user_shutdown);
  caf::error old_reason;
  self->receive([&](caf::down_msg& msg) { old_reason = msg.reason; },
                caf::after(5s) >> [] {});
  CHECK(old_reason == caf::exit_reason::kill);
}

TEST_CASE("looking up an unknown child is the error pool_not_found",
          "[supervisor][lookup]") {
  fixture f;
  auto sup = spawn_supervisor(*f.sys, fast_flags(restart_strategy::one_for_one),
                              {make_child(f.log, "a")});
  caf::scoped_actor self{*f.sys};
  std::optional<failure> error;
  bool got_handle = false;
  self->request(sup, 5s, lookup_atom::value, std::string{"no_such_pool"})
    .receive([&](caf::actor&) { got_handle = true; },
             [&](caf::error& err) { error = from_caf_error(err); });
  CHECK_FALSE(got_handle);
  REQUIRE(error);
  CHECK(error->code == error_code::pool_not_found);
  CHECK_THAT(error->message, Catch::Contains("\"no_such_pool\""));
  CHECK(f.lookup(sup, "a"));
  CHECK(f.stop_and_wait(sup) == caf::exit_reason::user_shutdown);
}
