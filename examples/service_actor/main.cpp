// A pool as the child of your own actor.
//
// A "service" actor (any event-based actor of an application) spawns a pool
// of Python workers with `snakepit::spawn_pool(self, ...)`. The pool is
// linked to the service: when the service quits, the pool stops its workers
// and quits too, so nothing outlives its owner. The service waits until the
// workers are ready, sends a few requests with `self->request(...).then()`,
// prints each reply (including an error reply) and quits when all are in.
//
// Run: build/bin/example_service_actor

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>

#include <snakepit/snakepit.hpp>

namespace {

using namespace std::chrono_literals;

/// One request the service sends, and whether it is expected to succeed.
struct job {
  std::string command;
  std::string args_json;
  bool should_succeed;
};

/// The service's state: the pool it owns and how many replies are missing.
struct service_state {
  snakepit::pool_actor pool;
  int pending = 0;
  /// Set to 1 when a reply was not what we expected (read by main).
  std::shared_ptr<std::atomic<int>> exit_code;

  static inline const char* name = "example.service";
};

using service_ptr = caf::stateful_actor<service_state>*;

/// Sends one job to the pool; the reply arrives later, as a message, so the
/// service never blocks a scheduler thread.
void send_job(service_ptr self, const job& j) {
  snakepit::execute_request req;
  req.command = j.command;
  req.args_json = j.args_json;
  ++self->state.pending;
  // Every request gets exactly one execute_reply: a JSON result or a
  // failure value. The pool enforces its own timeouts, so no deadline here.
  self->request(self->state.pool, caf::infinite, snakepit::execute_atom::value,
                std::move(req))
    .then([self, j](snakepit::execute_reply& reply) {
      if (reply.ok())
        caf::aout(self) << j.command << " " << j.args_json << " -> "
                        << reply->result_json << "   (worker " << reply->worker
                        << ", " << reply->run_us << " us)" << std::endl;
      else
        caf::aout(self) << j.command << " " << j.args_json
                        << " -> error: " << snakepit::describe(reply)
                        << std::endl;
      if (reply.ok() != j.should_succeed)
        *self->state.exit_code = 1;
      // The last reply ends the service; its pool goes down with it.
      if (--self->state.pending == 0)
        self->quit();
    });
}

caf::behavior service(service_ptr self,
                      std::shared_ptr<snakepit::runtime> rt,
                      std::shared_ptr<std::atomic<int>> exit_code) {
  self->state.exit_code = std::move(exit_code);

  // The pool: two process workers of the showcase adapter. Every field of
  // pool_config has a default (see examples/default.toml).
  snakepit::pool_config cfg;
  cfg.name = "service";
  cfg.size = 2;
  self->state.pool = snakepit::spawn_pool(self, cfg, rt->env());

  // Requests sent before the workers are up would simply wait in the
  // pool's queue; asking for readiness first lets us report a pool that
  // cannot start (e.g. a bad interpreter) instead of a queue timeout.
  self->request(self->state.pool, 60s, snakepit::await_ready_atom::value)
    .then(
      [self](snakepit::pool_snapshot& status) {
        if (!status.all_ready()) {
          caf::aout(self) << "pool failed: "
                          << snakepit::describe(status.failed) << std::endl;
          *self->state.exit_code = 1;
          self->quit();
          return;
        }
        caf::aout(self) << "pool " << status.name << ": " << status.ready
                        << " workers ready" << std::endl;
        // All four run concurrently on the two workers; replies arrive in
        // whatever order they finish.
        send_job(self, {"add", R"({"a": 1, "b": 2})", true});
        send_job(self, {"echo", R"({"greeting": "hello", "n": [1, 2, 3]})",
                        true});
        send_job(self, {"hash_blob", R"({"mb": 4})", true});
        send_job(self, {"fail", R"({"message": "this tool always fails"})",
                        false});
      },
      [self](caf::error& err) {
        caf::aout(self) << "no answer from the pool: " << caf::to_string(err)
                        << std::endl;
        *self->state.exit_code = 1;
        self->quit();
      });

  // The service has no requests of its own in this example; a real one
  // would handle its clients' messages here.
  return {};
}

} // namespace

int main() {
  // Keep the output to our own prints; "info" shows workers starting.
  spdlog::set_level(spdlog::level::warn);

  // 1. The actor system, prepared for Snakepit, and the runtime: the
  //    process launcher and the private run directory for the workers'
  //    sockets, shared by every pool of this process.
  auto env = snakepit::bootstrap(snakepit::default_config());
  if (!env) {
    std::cerr << snakepit::describe(env.error()) << '\n';
    return 1;
  }

  // 2. Our service, which owns the pool.
  auto exit_code = std::make_shared<std::atomic<int>>(0);
  (*env)->system().spawn(service, (*env)->runtime(), exit_code);

  // 3. Wait until the service and its pool have stopped; the environment
  //    then releases the runtime (it stops any process still running).
  (*env)->system().await_all_actors_done();
  std::cout << "service done" << std::endl;
  return *exit_code;
}
