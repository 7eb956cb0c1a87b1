#include "bench/pool_paths.hpp"

#include <caf/all.hpp>

#include <snakepit/snakepit.hpp>

namespace snakepit::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// The pool's dispatch-to-reply time of a reply, success or failure, ns.
int64_t inner_ns_of(const execute_reply& reply) {
  return (reply ? reply->run_us : reply.error().run_us) * 1000;
}

/// Starts a measured run of an `actor_caller`: `(run_atom, calls) -> bool`.
using run_atom = caf::atom_constant<caf::atom("bn_run")>;
/// The request an echo actor answers at once.
using echo_atom = caf::atom_constant<caf::atom("bn_echo")>;

execute_request ping_request(const std::string& pool) {
  execute_request req;
  req.pool = pool;
  req.command = "ping";
  req.args_json = "{}";
  return req;
}

struct caller_state {
  caf::actor target;
  actor_caller::target_kind kind = actor_caller::target_kind::echo;
  std::string pool_name;
  std::shared_ptr<samples> out;
  int remaining = 0;
  clock_type::time_point round_start;
  clock_type::time_point call_start;
  caf::response_promise done;

  static inline const char* name = "bench.caller";
};

using caller_ptr = caf::stateful_actor<caller_state>*;

/// Sends the next request, or ends the run.
void call_next(caller_ptr self) {
  auto& st = self->state;
  if (st.remaining == 0) {
    st.out->wall = clock_type::now() - st.round_start;
    st.done.deliver(true);
    return;
  }
  --st.remaining;
  auto on_error = [self](caf::error&) {
    auto& st = self->state;
    st.out->latencies_ns.push_back(ns_since(st.call_start));
    ++st.out->failures;
    call_next(self);
  };
  st.call_start = clock_type::now();
  if (st.kind == actor_caller::target_kind::echo) {
    self->request(st.target, caf::infinite, echo_atom::value)
      .then(
        [self](echo_atom) {
          auto& st = self->state;
          st.out->latencies_ns.push_back(ns_since(st.call_start));
          call_next(self);
        },
        on_error);
    return;
  }
  self
    ->request(st.target, caf::infinite, execute_atom::value,
              ping_request(st.pool_name))
    .then(
      [self](execute_reply& reply) {
        auto& st = self->state;
        st.out->latencies_ns.push_back(ns_since(st.call_start));
        st.out->inner_ns.push_back(inner_ns_of(reply));
        if (!reply.ok())
          ++st.out->failures;
        call_next(self);
      },
      on_error);
}

caf::behavior caller(caller_ptr self, caf::actor target,
                     actor_caller::target_kind kind, std::string pool_name,
                     std::shared_ptr<samples> out) {
  auto& st = self->state;
  st.target = std::move(target);
  st.kind = kind;
  st.pool_name = std::move(pool_name);
  st.out = std::move(out);
  return {
    [self](run_atom, int calls) {
      auto& st = self->state;
      *st.out = samples{};
      st.out->latencies_ns.reserve(calls);
      st.remaining = calls;
      st.done = self->make_response_promise();
      st.round_start = clock_type::now();
      call_next(self);
      return st.done;
    },
  };
}

} // namespace

pool_actor lookup_pool(caf::actor_system& sys, const host_actor& root,
                       const std::string& name) {
  pool_actor pool;
  caf::scoped_actor self{sys};
  self->request(root, caf::infinite, lookup_atom::value, name)
    .receive([&](pool_actor& found) { pool = std::move(found); },
             [](caf::error&) {});
  return pool;
}

std::string await_pools(client& c, const host_config& cfg) {
  std::string failed;
  for (const auto& pool : cfg.pools) {
    auto status = c.await_ready(pool.name, std::chrono::seconds{60});
    if (!status || !status->all_ready())
      failed += " " + pool.name
                + (status ? ": " + describe(status->failed) : std::string{});
  }
  return failed;
}

samples run_pool_blocking(client& c, const std::string& pool, int calls) {
  samples out;
  out.latencies_ns.reserve(calls);
  out.inner_ns.reserve(calls);
  auto round_start = clock_type::now();
  for (int i = 0; i < calls; ++i) {
    auto start = clock_type::now();
    auto reply = c.execute(ping_request(pool));
    out.latencies_ns.push_back(ns_since(start));
    out.inner_ns.push_back(inner_ns_of(reply));
    if (!reply.ok())
      ++out.failures;
  }
  out.wall = clock_type::now() - round_start;
  return out;
}

samples run_scoped_echo(caf::actor_system& sys, const caf::actor& echo,
                        int calls) {
  samples out;
  out.latencies_ns.reserve(calls);
  auto round_start = clock_type::now();
  for (int i = 0; i < calls; ++i) {
    auto start = clock_type::now();
    caf::scoped_actor self{sys};
    self->request(echo, caf::infinite, echo_atom::value)
      .receive([](echo_atom) {}, [&](caf::error&) { ++out.failures; });
    out.latencies_ns.push_back(ns_since(start));
  }
  out.wall = clock_type::now() - round_start;
  return out;
}

caf::actor spawn_echo(caf::actor_system& sys) {
  return sys.spawn([]() -> caf::behavior {
    return {[](echo_atom x) { return x; }};
  });
}

actor_caller::actor_caller(caf::actor_system& sys, caf::actor target,
                           target_kind kind, std::string pool_name)
  : sys_(sys), out_(std::make_shared<samples>()) {
  self_ = sys.spawn(caller, std::move(target), kind, std::move(pool_name),
                    out_);
}

actor_caller::~actor_caller() {
  caf::anon_send_exit(self_, caf::exit_reason::user_shutdown);
}

samples actor_caller::run(int calls) {
  caf::scoped_actor self{sys_};
  bool ok = false;
  self->request(self_, caf::infinite, run_atom::value, calls)
    .receive([&](bool) { ok = true; }, [](caf::error&) {});
  if (!ok) {
    samples failed;
    failed.failures = calls;
    return failed;
  }
  // The caller wrote `out_` before replying: the reply orders the accesses.
  return *out_;
}

} // namespace snakepit::bench
