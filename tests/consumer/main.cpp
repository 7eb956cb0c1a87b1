// A C++ service of one's own that uses an installed Snakepit through
// find_package(snakepit) alone: its actor spawns a pool of Python workers
// as its child, subscribes to the typed telemetry events, runs one request
// against its own adapter (greeter.py) and checks the reply and the events.
// Prints each check; exits 0 when all passed, 1 when one failed, 2 when
// Snakepit could not start, 3 when it ran out of time.

#include <snakepit/snakepit.hpp>

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

namespace {

namespace tel = snakepit::telemetry;
using namespace std::chrono_literals;

/// The pool's name and size.
constexpr const char* pool_name = "consumer";
constexpr int pool_size = 2;

/// The whole run must finish within this, or the actor gives up...
constexpr auto actor_deadline = 90s;
/// ...and if even that does not end the process, the watchdog does.
constexpr auto process_deadline = 120s;

/// The request and the reply it must get.
constexpr const char* command = "greet";
constexpr const char* args_json = R"({"name": "consumer"})";
constexpr const char* expected_result = R"({"greeting": "hello, consumer"})";

/// Sent to the service by itself when the deadline passes.
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;

/// What the service saw; the verdict is read by main.
struct service_state {
  /// The pool, a child of the service.
  snakepit::pool_actor pool;
  /// worker.started events of the pool.
  int workers_started = 0;
  /// The reply arrived (and was checked).
  bool replied = false;
  /// Its request.executed event arrived (and was checked).
  bool executed_event = false;
  /// 0 while every check passed.
  std::shared_ptr<std::atomic<int>> exit_code;

  static inline const char* name = "consumer.service";
};

using service_ptr = caf::stateful_actor<service_state>*;

/// Prints one check and remembers a failure.
void check(service_ptr self, bool ok, const std::string& what) {
  std::cout << (ok ? "ok:   " : "FAIL: ") << what << std::endl;
  if (!ok)
    self->state.exit_code->store(1);
}

/// Ends the run: the pool, linked to the service, stops with it.
void finish(service_ptr self, int code) {
  if (code != 0)
    self->state.exit_code->store(code);
  self->quit();
}

/// Done once the reply and its request.executed event are both in.
void finish_when_complete(service_ptr self) {
  if (self->state.replied && self->state.executed_event) {
    check(self, self->state.workers_started == pool_size,
          "worker.started events: " + std::to_string(pool_size)
            + " (saw " + std::to_string(self->state.workers_started) + ")");
    finish(self, 0);
  }
}

/// Sends the one request and checks its reply.
void run_request(service_ptr self) {
  snakepit::execute_request req;
  req.command = command;
  req.args_json = args_json;
  self->request(self->state.pool, 30s, snakepit::execute_atom::value,
                std::move(req))
    .then(
      [self](snakepit::execute_reply& reply) {
        check(self, reply.ok(),
              "the request succeeded: " + snakepit::describe(reply));
        if (!reply.ok())
          return finish(self, 1);
        check(self, reply->result_json == expected_result,
              "reply " + reply->result_json + " is " + expected_result);
        self->state.replied = true;
        finish_when_complete(self);
      },
      [self](caf::error& err) {
        check(self, false, "no reply: " + caf::to_string(err));
        finish(self, 1);
      });
}

/// The user's service: owns the pool, listens to its telemetry, runs the
/// request once the workers are ready.
caf::behavior service(service_ptr self, std::shared_ptr<snakepit::runtime> rt,
                      std::shared_ptr<std::atomic<int>> exit_code) {
  self->state.exit_code = std::move(exit_code);
  // Subscribed before the pool exists, so every worker.started is seen.
  tel::subscribe(self,
                 tel::topic::of<tel::worker_started, tel::request_executed>());
  snakepit::pool_config cfg;
  cfg.name = pool_name;
  cfg.size = pool_size;
  cfg.adapter = "greeter.Greeter";
  cfg.env["PYTHONPATH"] = CONSUMER_ADAPTER_DIR;
  self->state.pool = snakepit::spawn_pool(self, cfg, rt->env());
  self->delayed_send(self, actor_deadline, deadline_atom::value);

  self->request(self->state.pool, 60s, snakepit::await_ready_atom::value)
    .then(
      [self](snakepit::pool_snapshot& status) {
        check(self, status.all_ready(),
              "pool " + status.name + " ready with "
                + std::to_string(status.ready) + " workers"
                + (status.all_ready()
                     ? ""
                     : ": " + snakepit::describe(status.failed)));
        if (!status.all_ready())
          return finish(self, 1);
        run_request(self);
      },
      [self](caf::error& err) {
        check(self, false, "pool not ready: " + caf::to_string(err));
        finish(self, 1);
      });

  return {
    [self](const tel::worker_started& ev) {
      if (ev.pool != pool_name)
        return;
      ++self->state.workers_started;
      check(self, ev.pid > 0 && ev.startup.count() > 0,
            "worker.started: " + ev.worker + ", pid "
              + std::to_string(ev.pid));
    },
    [self](const tel::request_executed& ev) {
      if (ev.pool != pool_name)
        return;
      check(self, ev.command == command && ev.success && ev.error.empty(),
            "request.executed: " + ev.command + " on " + ev.worker
              + (ev.success ? ", success" : ", failed: " + ev.error));
      check(self, ev.duration.count() > 0, "request.executed has a duration");
      self->state.executed_event = true;
      finish_when_complete(self);
    },
    [self](deadline_atom) {
      std::cout << "FAIL: not done within " << actor_deadline.count()
                << " s" << std::endl;
      finish(self, 3);
    },
  };
}

/// Ends the process if the run outlives `process_deadline` (the workers die
/// with it), so the test never hangs.
class watchdog {
public:
  watchdog()
    : thread_([this] {
        std::unique_lock<std::mutex> lock{mutex_};
        if (!done_cv_.wait_for(lock, process_deadline, [this] {
              return done_;
            })) {
          std::cerr << "FAIL: the process did not end within "
                    << process_deadline.count() << " s" << std::endl;
          std::_Exit(3);
        }
      }) {
  }

  ~watchdog() {
    {
      std::lock_guard<std::mutex> lock{mutex_};
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }

  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

} // namespace

int main() {
  watchdog guard;
  auto env = snakepit::bootstrap();
  if (!env) {
    std::cerr << "FAIL: no environment: " << snakepit::describe(env)
              << std::endl;
    return 2;
  }
  auto exit_code = std::make_shared<std::atomic<int>>(0);
  (*env)->system().spawn(service, (*env)->runtime(), exit_code);
  // Waits for every actor, then shuts the runtime down.
  env->reset();
  std::cout << (*exit_code == 0 ? "consumer: all checks passed"
                                : "consumer: FAILED")
            << std::endl;
  return *exit_code;
}
