// What a child's exit is charged to, stepped with CAF's test coordinator
// (no sleeps, no threads): exits charged to a child's own backoff are
// restarted after growing delays and never escalate, and they leave the
// restart budget to the failed starts, which escalate as before.

#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <memory>

#include <snakepit/errors.hpp>
#include <snakepit/snakepit.hpp>
#include <snakepit/supervision.hpp>

using namespace snakepit;
using namespace std::chrono_literals;

namespace {

using crash_atom = caf::atom_constant<caf::atom("t_crash")>;

/// What the test observes; the coordinator runs everything on this thread.
struct world {
  int starts = 0;
  /// New instances fail at once, as a worker that cannot start does.
  bool fail_starts = false;
  caf::actor latest;
  bool supervisor_gone = false;
  caf::error supervisor_reason;
};

/// Serves until told to crash (a `worker_crashed` exit), or fails at once
/// (a `pool_failed` exit) when `fail_starts` is set.
caf::behavior child_actor(caf::event_based_actor* self,
                          std::shared_ptr<world> w) {
  if (w->fail_starts) {
    self->quit(to_caf_error(make_failure(error_code::pool_failed,
                                         "cannot start")));
    return {};
  }
  return {
    [self](crash_atom) {
      self->quit(to_caf_error(make_failure(error_code::worker_crashed,
                                           "crashed while serving")));
    },
  };
}

/// Records in `w` when `target` terminates, and why (run at its cleanup).
void observe(const caf::actor& target, std::shared_ptr<world> w) {
  caf::actor_cast<caf::abstract_actor*>(target)->attach_functor(
    [w](const caf::error& reason) {
      w->supervisor_gone = true;
      w->supervisor_reason = reason;
    });
}

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<world> w = std::make_shared<world>();
  caf::actor sup;

  fixture() {
    register_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(
      sys->scheduler());
  }

  ~fixture() {
    if (sup && !w->supervisor_gone)
      caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    settle();
  }

  /// Runs every message and every timer due now.
  void settle() {
    do
      sched->run();
    while (sched->advance_time(0ms) > 0);
  }

  /// Lets `d` pass, running what falls due.
  void wait(caf::timespan d) {
    sched->advance_time(d);
    settle();
  }

  void start(int intensity) {
    supervisor_flags flags;
    flags.name = "test";
    flags.intensity = intensity;
    flags.period = 10s;
    flags.backoff = 100ms;
    flags.backoff_max = 400ms;
    child_spec spec;
    spec.id = "w";
    spec.charge = [](const caf::error& reason) {
      return from_caf_error(reason).code == error_code::worker_crashed
               ? failure_charge::backoff
               : failure_charge::budget;
    };
    spec.start = [w = w](caf::local_actor* parent) {
      ++w->starts;
      w->latest = parent->spawn<caf::linked>(child_actor, w);
      return w->latest;
    };
    sup = spawn_supervisor(*sys, flags, {spec});
    observe(sup, w);
    settle();
  }

  void crash() {
    caf::anon_send(w->latest, crash_atom::value);
    settle();
  }
};

} // namespace

TEST_CASE("crashes charged to a child's backoff never escalate and back off",
          "[supervisor][charge]") {
  fixture f;
  f.start(1);
  REQUIRE(f.w->starts == 1);
  // The only crash in a period restarts at once.
  f.crash();
  CHECK(f.w->starts == 2);
  // The next ones wait 100 ms, 200 ms, then 400 ms (the cap) each.
  int expected = 2;
  for (auto delay : {100ms, 200ms, 400ms, 400ms, 400ms, 400ms, 400ms}) {
    f.crash();
    f.wait(delay - 1ms);
    CHECK(f.w->starts == expected);
    f.wait(1ms);
    CHECK(f.w->starts == ++expected);
  }
  CHECK_FALSE(f.w->supervisor_gone);
  // A crash a whole period after the last ones is sporadic again.
  f.wait(10s);
  f.crash();
  CHECK(f.w->starts == expected + 1);
  CHECK_FALSE(f.w->supervisor_gone);
}

TEST_CASE("crashes leave the restart budget to failed starts, which escalate",
          "[supervisor][charge]") {
  fixture f;
  f.start(1);
  for (int i = 0; i < 5; ++i) {
    f.crash();
    f.wait(1s);
  }
  REQUIRE(f.w->starts == 6);
  CHECK_FALSE(f.w->supervisor_gone);
  // Now every start fails. The crash waits for its backoff (400 ms, the
  // sixth in the period); then one failed start is restarted (intensity
  // 1) and the second escalates with the child's own failure.
  f.w->fail_starts = true;
  f.crash();
  CHECK(f.w->starts == 6);
  f.wait(400ms);
  CHECK(f.w->starts == 8);
  REQUIRE(f.w->supervisor_gone);
  auto why = from_caf_error(f.w->supervisor_reason);
  CHECK(why.code == error_code::pool_failed);
  CHECK_THAT(why.message, Catch::Contains("gave up after 2 failures"));
  CHECK_THAT(why.message, Catch::Contains("cannot start"));
}

TEST_CASE("a child without a charge rule charges every exit to the budget",
          "[supervisor][charge]") {
  fixture f;
  supervisor_flags flags;
  flags.intensity = 1;
  child_spec spec;
  spec.id = "plain";
  spec.start = [w = f.w](caf::local_actor* parent) {
    ++w->starts;
    w->latest = parent->spawn<caf::linked>(child_actor, w);
    return w->latest;
  };
  f.sup = spawn_supervisor(*f.sys, flags, {spec});
  observe(f.sup, f.w);
  f.settle();
  f.crash();
  CHECK(f.w->starts == 2);
  f.crash();
  REQUIRE(f.w->supervisor_gone);
  CHECK(from_caf_error(f.w->supervisor_reason).code
        == error_code::worker_crashed);
}
