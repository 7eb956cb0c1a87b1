#include <snakepit/pool.hpp>

#include <spdlog/spdlog.h>

#include <snakepit/errors.hpp>

#include "actors/pool_members.hpp"
#include "actors/pool_recycling.hpp"
#include "actors/pool_sessions.hpp"
#include "actors/pool_snapshots.hpp"
#include "actors/pool_startup.hpp"
#include "actors/pool_streams.hpp"
#include "actors/pool_supervision.hpp"
#include "messages/atoms.hpp"

namespace snakepit {

namespace detail {

namespace {

/// Stops taking requests, stops the workers, and quits once they are gone.
void begin_stop(pool_ptr self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = true;
  auto closing = make_failure(error_code::shutting_down,
                              "pool " + st.cfg.name + " is stopping");
  fail_queued(self, closing);
  fail_checking(self, closing);
  refuse_permits(self);
  stop_lifecycle(self);
  stop_probe(self);
  if (!st.supervision.supervisor) {
    self->quit(reason);
    return;
  }
  self->send_exit(st.supervision.supervisor, reason);
}

caf::behavior pool_behavior(pool_ptr self, pool_config cfg,
                            std::shared_ptr<const worker_environment> env) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.env = std::move(env);
  st.started_at = now_of(self);
  start_request_path(self);
  spdlog::info("pool {}: starting {} workers ({} profile, adapter {})",
               st.cfg.name, st.cfg.size,
               st.cfg.profile == worker_profile::thread ? "thread" : "process",
               st.cfg.adapter);
  start_workers(self);
  start_lifecycle(self);

  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (!on_supervisor_notice(self, msg.source, msg.reason))
      begin_stop(self, msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    if (on_supervisor_notice(self, msg.source, msg.reason))
      return;
    if (on_stream_caller_down(self, msg.source))
      return;
    release_permit(self, msg.source);
    if (!on_probe_down(self, msg.source, msg.reason))
      on_worker_down(self, msg.source, msg.reason);
  });

  return {
    [self](execute_atom, execute_request& req) { return on_execute(self, req); },
    [self](execute_stream_atom, execute_request& req) {
      return on_execute_stream(self, req);
    },
    [self](stream_ack_atom, uint64_t id, uint32_t chunks) {
      on_stream_ack(self, id, chunks);
    },
    [self](stream_cancel_atom, uint64_t id) { on_stream_cancel(self, id); },
    [self](call_done& done) { on_call_done(self, done); },
    [self](lost_call_atom, uint64_t call_id) {
      on_lost_call_timeout(self, call_id);
    },
    [self](abandoned_call_ended& ev) { on_abandoned_call_ended(self, ev); },
    [self](worker_ready& ev) { on_worker_ready(self, ev); },
    [self](worker_exited& ev) { on_worker_exited(self, ev); },
    [self](start_permit_atom) { return on_start_permit(self); },
    [self](tick_atom) { on_queue_tick(self); },
    [self](recover_atom, uint64_t round) { on_recovery_timer(self, round); },
    [self](restart_atom) { return on_manual_restart(self); },
    [self](lifecycle_atom) { return make_pool_snapshot(self); },
    [self](recycle_atom, uint64_t key, const std::string& reason) {
      auto why = recycle_reason_from_string(reason);
      return why && begin_recycle(self, key, *why);
    },
    [self](recycle_atom, const std::string& worker_id) {
      return on_manual_recycle(self, worker_id);
    },
    [self](const memory_samples& m) { on_memory_samples(self, m); },
    [self](const request_limits& m) { on_request_limits(self, m); },
    [self](drain_atom, uint64_t key) { on_drain_deadline(self, key); },
    [self](const health_check_missed&) { on_health_check_missed(self); },
    [self](inspect_atom) -> caf::result<pool_snapshot> {
      auto snapshot = make_pool_snapshot(self);
      const auto& lifecycle = self->state.recycling.lifecycle;
      if (!lifecycle)
        return snapshot;
      // The lifecycle actor adds its measurements and answers the caller.
      self->delegate(lifecycle, inspect_atom::value, std::move(snapshot));
      return caf::delegated<pool_snapshot>{};
    },
    [self](status_atom) { return make_pool_snapshot(self); },
    [self](close_session_atom, const std::string& id) {
      return on_close_session(self, id);
    },
    [self](session_op_done& done) { on_session_op_done(self, done); },
    [self](session_sweep_atom) { on_session_sweep(self); },
    [self](await_ready_atom) { return on_await_ready(self); },
  };
}

} // namespace

} // namespace detail

pool_actor spawn_pool(caf::local_actor* parent, pool_config cfg,
                      std::shared_ptr<const worker_environment> env) {
  // The actor itself is dynamically typed: it also takes its workers',
  // supervisor's and lifecycle actor's messages, which are no part of its
  // public interface. tests/unit/actors checks it answers every message of
  // `pool_actor` with the declared reply type.
  return caf::actor_cast<pool_actor>(parent->spawn<caf::linked>(
    detail::pool_behavior, std::move(cfg), std::move(env)));
}

} // namespace snakepit
