// A pool inside your own supervision tree.
//
// The application's supervisor has two children: a pool of Python workers
// and a "reporter" of the application's own that prints what the pool is
// doing every 300 ms. Both are ordinary `child_spec`s: the supervisor
// starts them in order, restarts them when they fail (one_for_one) and
// stops them, pool workers included, when it is told to stop.
//
// main looks the pool up through the supervisor with
// `(lookup_atom, "workers")`, runs a few requests (one of which crashes its
// worker on purpose: the pool restarts it), then stops the supervisor.
//
// Run: build/bin/example_custom_supervisor

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>
#include <thread>

#include <snakepit/errors.hpp>
#include <snakepit/snakepit.hpp>
#include <snakepit/supervision.hpp>

namespace {

using namespace std::chrono_literals;

/// The reporter's timer message.
using report_atom = caf::atom_constant<caf::atom("ex_report")>;

/// How often the reporter looks at the pool.
constexpr auto report_interval = 300ms;

/// Prints the pool's status every `report_interval`. It finds the pool
/// through the supervisor each time rather than keeping a handle, so it
/// keeps working if the supervisor restarts the pool.
caf::behavior reporter(caf::event_based_actor* self, caf::actor supervisor) {
  self->send(self, report_atom::value);
  return {
    [self, supervisor](report_atom) {
      self->request(supervisor, 5s, snakepit::lookup_atom::value,
                    std::string{"workers"})
        .then(
          [self](caf::actor& pool) {
            if (!pool)
              return; // between restarts
            self->request(pool, 5s, snakepit::status_atom::value)
              .then([self](snakepit::pool_snapshot& s) {
                caf::aout(self) << "  [reporter] pool " << s.name << ": "
                                << s.ready << "/" << s.size << " ready, "
                                << s.busy_slots << " busy, "
                                << s.requests_dispatched
                                << " requests dispatched so far" << std::endl;
              });
          },
          // An unknown name is the error pool_not_found, not a null handle.
          [self](caf::error& err) {
            caf::aout(self) << "  [reporter] "
                            << snakepit::describe(
                                 snakepit::from_caf_error(err))
                            << std::endl;
          });
      // CAF 0.17 has no periodic timer: re-arm a delayed message.
      self->delayed_send(self, report_interval, report_atom::value);
    },
  };
}

/// Runs one request from main's blocking scoped actor and prints the reply.
snakepit::execute_reply run(caf::scoped_actor& self, const caf::actor& pool,
                            const std::string& command,
                            const std::string& args_json) {
  snakepit::execute_request req;
  req.command = command;
  req.args_json = args_json;
  snakepit::execute_reply out;
  self->request(pool, caf::infinite, snakepit::execute_atom::value, req)
    .receive([&](snakepit::execute_reply& reply) { out = std::move(reply); },
             [&](caf::error& err) {
               out = snakepit::make_failure(snakepit::error_code::internal,
                                            "no reply: "
                                              + caf::to_string(err));
             });
  std::cout << command << " " << args_json << " -> "
            << (out.ok() ? out->result_json
                         : "error: " + snakepit::describe(out))
            << std::endl;
  return out;
}

/// Waits until the pool has all its workers ready again and none of them
/// is `gone` (the worker that crashed), polling its status.
bool await_replaced(caf::scoped_actor& self, const caf::actor& pool,
                    const std::string& gone) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    bool replaced = false;
    self->request(pool, 5s, snakepit::status_atom::value)
      .receive(
        [&](snakepit::pool_snapshot& s) {
          replaced = s.all_ready();
          for (const auto& w : s.workers)
            replaced = replaced && w.id != gone;
        },
        [](caf::error&) {});
    if (replaced)
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

} // namespace

int main() {
  // Warnings only: the crash below is logged as one.
  spdlog::set_level(spdlog::level::warn);

  // The actor system, prepared for Snakepit, and the runtime its pools
  // need (launcher, run directory).
  auto env = snakepit::bootstrap(snakepit::default_config());
  if (!env) {
    std::cerr << snakepit::describe(env.error()) << '\n';
    return 1;
  }
  auto& sys = (*env)->system();
  const auto& rt = (*env)->runtime();

  // Child 1: the pool. `start` runs again on every restart.
  snakepit::pool_config pool_cfg;
  pool_cfg.name = "workers";
  pool_cfg.size = 2;
  snakepit::child_spec pool_child;
  pool_child.id = "workers";
  pool_child.start = [pool_cfg, env = rt->env()](caf::local_actor* sup) {
    // A supervisor takes any child: it holds the pool untyped.
    auto pool = snakepit::spawn_pool(sup, pool_cfg, env);
    return caf::actor_cast<caf::actor>(pool);
  };
  // Give the pool time to stop its workers gracefully before it is killed.
  pool_child.shutdown_timeout = pool_cfg.shutdown_timeout + 5s;

  // Child 2: our own actor, linked to the supervisor like any child.
  snakepit::child_spec reporter_child;
  reporter_child.id = "reporter";
  reporter_child.start = [](caf::local_actor* sup) {
    return sup->spawn<caf::linked>(reporter,
                                   caf::actor_cast<caf::actor>(sup));
  };

  snakepit::supervisor_flags flags;
  flags.name = "my application";
  flags.strategy = snakepit::restart_strategy::one_for_one;
  auto sup = snakepit::spawn_supervisor(sys, flags,
                                        {pool_child, reporter_child});

  bool ok = true;
  { // A scoped actor counts as running: keep it out of the final wait.
    caf::scoped_actor self{sys};
    caf::actor pool;
    self->request(sup, 5s, snakepit::lookup_atom::value,
                  std::string{"workers"})
      .receive([&](caf::actor& found) { pool = std::move(found); },
               [](caf::error& err) {
                 std::cerr << snakepit::describe(snakepit::from_caf_error(err))
                           << '\n';
               });
    // Wait until the workers are up (or the pool has given up).
    std::optional<snakepit::pool_snapshot> status;
    if (pool)
      self->request(pool, 60s, snakepit::await_ready_atom::value)
        .receive([&](snakepit::pool_snapshot& s) { status = std::move(s); },
                 [](caf::error&) {});
    if (!status || !status->all_ready()) {
      std::cerr << "pool did not start"
                << (status ? ": " + snakepit::describe(status->failed) : "")
                << '\n';
      ok = false;
    } else {
      ok &= run(self, pool, "add", R"({"a": 40, "b": 2})").ok();
      ok &= run(self, pool, "hash_blob", R"({"mb": 8})").ok();
      // The worker process dies mid-request: this request fails with
      // worker_crashed, and the pool's own worker supervisor starts a new
      // worker in its place.
      auto crashed = run(self, pool, "crash", R"({"code": 3})");
      ok &= crashed.code() == snakepit::error_code::worker_crashed;
      auto victim = crashed ? std::string{} : crashed.error().worker;
      if (!victim.empty() && await_replaced(self, pool, victim)) {
        std::cout << "worker " << victim << " was replaced" << std::endl;
      } else {
        std::cout << "worker " << victim << " was not replaced" << std::endl;
        ok = false;
      }
      ok &= run(self, pool, "echo", R"({"still": "alive"})").ok();
      ok &= run(self, pool, "add", R"({"a": 1.5, "b": 2.25})").ok();
    }
  }

  // Stop the tree: the supervisor stops its children in reverse order, the
  // pool stops its Python workers, and everything quits.
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  std::cout << "supervisor stopped" << std::endl;
  return ok ? 0 : 1;
}
