#pragma once

/// An OTP-style supervisor actor.
///
/// It starts its children in order, links to and monitors each, and when one
/// exits it applies its restart type (permanent: always restarted;
/// transient: restarted after an abnormal exit; temporary: never) and its
/// strategy (one_for_one: only that child; one_for_all: every child;
/// rest_for_one: that child and those started after it). Each abnormal
/// exit is charged as its child spec says (`failure_charge`): by default to
/// the restart budget (intensity restarts per period, with exponential
/// backoff between them); when the budget is spent the supervisor stops
/// its remaining children and quits with the child's own failure, wrapped
/// to say it gave up: the escalation its parent sees. Exits charged to
/// `backoff` only (e.g. a worker that crashed while serving) are restarted
/// after a per-child backoff that grows while they come quickly, and never
/// escalate.
///
/// Asked to stop (an exit message from anyone but a child), it sends every
/// child a `user_shutdown` exit, waits up to each child's shutdown timeout,
/// kills the ones still alive, and quits once all are gone.
///
/// Make-before-break replacement: `replace_child_atom` starts a new
/// instance of a running child while the old one keeps running. The old
/// instance is then the caller's to stop (an exit message); its exit is
/// never restarted nor charged to the restart budget, and a shutdown stops
/// it with the others. The new instance is the child from then on.
///
/// Taking over: `adopt_child_atom` moves the running instance of one child
/// (a pre-started spare) into another child, whose old instance retires as
/// with a replacement; the first child then starts a new instance. The
/// moved instance restarts as the child it joined.
///
/// interface supervisor {
///   (lookup_atom, std::string id) -> (caf::actor)  // invalid while the
///       // child restarts; error pool_not_found (<snakepit/errors.hpp>) if
///       // no child has that id
///   (replace_child_atom, std::string id) -> (caf::actor)  // the new
///       // instance; invalid if the child is not running or shutting down
///   (replace_child_atom, std::string id, caf::actor instance)
///       -> (caf::actor)  // the same, but only if the child runs
///       // `instance`: invalid, and nothing started, once it restarted
///   (adopt_child_atom, std::string from, std::string into,
///    caf::actor instance) -> (bool)  // false, and nothing changed, unless
///       // `from` runs `instance` and `into` runs
/// }

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace snakepit {

/// Which children restart when one fails.
enum class restart_strategy { one_for_one, one_for_all, rest_for_one };

/// When a child is restarted.
enum class restart_type { permanent, transient, temporary };

/// What an abnormal exit of a child is charged to.
enum class failure_charge {
  /// The supervisor's restart budget: one failure too many escalates.
  budget,
  /// A backoff of its own child only: restarted at once when it is the
  /// child's only failure within the period, else after `backoff` doubling
  /// up to `backoff_max`; never escalates.
  backoff,
};

/// How to start one child and how to treat it.
struct child_spec {
  /// Unique among the supervisor's children; used by lookup and logs.
  std::string id;
  /// Spawns the child, linked to the given supervisor. Called again on each
  /// restart.
  std::function<caf::actor(caf::local_actor* supervisor)> start;
  /// When to restart it.
  restart_type restart = restart_type::permanent;
  /// How long a graceful stop may take before the child is killed.
  std::chrono::milliseconds shutdown_timeout{5000};
  /// Decides what an abnormal exit (its reason) is charged to; unset:
  /// everything charges the budget.
  std::function<failure_charge(const caf::error& reason)> charge;
};

/// The supervisor's own policy.
struct supervisor_flags {
  /// Name in logs, e.g. "pool default".
  std::string name = "supervisor";
  restart_strategy strategy = restart_strategy::one_for_one;
  /// At most this many restarts charged to the budget within `period`; one
  /// more escalates.
  int intensity = 5;
  std::chrono::milliseconds period{10000};
  /// First delay between restarts in a busy period; doubles each time. Also
  /// the first delay of a child's own backoff (`failure_charge::backoff`),
  /// whose window is `period` too.
  std::chrono::milliseconds backoff{100};
  /// Upper bound of the backoff delay.
  std::chrono::milliseconds backoff_max{5000};
};

/// Spawns a supervisor linked to `parent`.
caf::actor spawn_supervisor(caf::local_actor* parent, supervisor_flags flags,
                            std::vector<child_spec> children);

/// Spawns a top-level supervisor (the root of a tree).
caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_flags flags,
                            std::vector<child_spec> children);

} // namespace snakepit
