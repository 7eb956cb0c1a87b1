#pragma once

/// One pool, its workers and their fake processes and channels, stepped by
/// CAF's test coordinator: no Python, no threads, no sleeps. Time moves
/// only when a test calls `wait`; messages and due timers run in `settle`.
///
/// A client actor spawns the pool as its child and sends it each request
/// the test makes; it records every reply by the request's tag, so a test
/// can check that each request got exactly one.

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <snakepit/config.hpp>
#include <snakepit/interfaces.hpp>
#include <snakepit/requests.hpp>
#include <snakepit/snapshots.hpp>
#include <snakepit/telemetry/bus.hpp>

#include "fake_channel.hpp"
#include "fake_launcher.hpp"

namespace snakepit::testing {

/// What the client actor saw.
struct client_log {
  /// The pool, the client's child.
  pool_actor pool;
  /// Replies by request tag.
  std::map<int, std::vector<execute_reply>> replies;
  /// Requests that ended in a CAF error instead of a reply, by tag.
  std::map<int, std::vector<caf::error>> errors;
  std::optional<pool_snapshot> status;
  std::optional<pool_snapshot> inspection;
  /// Set when the pool has quit, with its exit reason.
  std::optional<caf::error> pool_exit;
};

/// A pool "p" of `size` workers as actor tests use it: health checks off,
/// lifecycle checks far apart (a test triggers them), a fake interpreter.
pool_config test_pool(int size);

/// A request for the command `command` with no arguments.
execute_request make_request(std::string command, bool idempotent = false);

/// The pool under test (see the file comment).
class pool_fixture {
public:
  /// Spawns a pool of `cfg` and runs until its workers wait for processes.
  explicit pool_fixture(pool_config cfg);

  /// Stops the pool (ending the processes it stops) and checks that every
  /// request got one reply.
  ~pool_fixture();

  pool_fixture(const pool_fixture&) = delete;
  pool_fixture& operator=(const pool_fixture&) = delete;

  /// Runs every message and every timer due now.
  void settle();

  /// Lets `d` of simulated time pass, 1 ms at a time, running what falls
  /// due: each timer fires within 1 ms of its time (exactly at it, for the
  /// whole milliseconds actors use), and a re-armed timer keeps its period.
  void wait(caf::timespan d);

  /// Starts every worker process asked for, has each report ready and lets
  /// the workers find their ready files. Returns their ids.
  std::vector<std::string> start_workers();

  /// Sends request `req`; returns its tag (1, 2, ...).
  int send(execute_request req);

  /// Replies request `tag` got so far.
  const std::vector<execute_reply>& replies(int tag);

  /// The single reply of request `tag`; fails the test unless there is
  /// exactly one.
  const execute_reply& reply(int tag);

  /// Requests sent that have no reply yet.
  int unanswered() const;

  /// The pool's status now.
  pool_snapshot status();

  /// The pool's inspection now (the status plus the lifecycle actor's
  /// measurements).
  pool_snapshot inspection();

  /// Sends `xs...` to the pool through its typed interface, from a one-shot
  /// actor, and runs until the answer: a `Reply`, or the error. The
  /// compiler checks both against `pool_actor`.
  template <class Reply, class... Ts>
  std::variant<Reply, caf::error> ask(Ts... xs) {
    using answer = std::optional<std::variant<Reply, caf::error>>;
    auto out = std::make_shared<answer>();
    sys_->spawn([out, pool = seen_->pool, xs...](caf::event_based_actor* self) {
      self->request(pool, caf::infinite, xs...)
        .then([out](Reply& r) { *out = std::move(r); },
              [out](caf::error& e) { *out = std::move(e); });
    });
    settle();
    REQUIRE(out->has_value());
    return std::move(**out);
  }

  /// Asks the pool to stop, as its parent or supervisor would.
  void stop_pool();

  /// The worker's channel (once it is ready).
  fake_channel& channel(const std::string& worker_id) {
    return network_.of(worker_id);
  }

  /// The one call running on `worker_id`; fails the test unless there is
  /// exactly one.
  uint64_t only_call(const std::string& worker_id);

  /// The fakes' record of spawns, connections and stops, in order.
  const std::vector<std::string>& events() const {
    return *log_;
  }

  /// What the client saw.
  const client_log& client() const {
    return *seen_;
  }

  /// The fake launcher all workers use.
  fake_launcher& launcher() {
    return *launcher_;
  }

  /// Every telemetry event of type `Event` published from now on, oldest
  /// first: an actor of the test's system subscribes and records them.
  template <class Event>
  std::shared_ptr<const std::vector<Event>> record() {
    auto seen = std::make_shared<std::vector<Event>>();
    auto recorder = sys_->spawn([seen]() -> caf::behavior {
      return {[seen](const Event& ev) { seen->push_back(ev); }};
    });
    telemetry::subscribe(recorder, telemetry::topic::of<Event>());
    recorders_.push_back(recorder);
    return seen;
  }

private:
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::string run_path_;
  event_log log_ = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<fake_launcher> launcher_;
  fake_network network_;
  std::shared_ptr<client_log> seen_ = std::make_shared<client_log>();
  caf::actor client_;
  std::vector<caf::actor> recorders_;
  int sent_ = 0;
};

} // namespace snakepit::testing
