#include "actors/pool_supervision.hpp"

#include <spdlog/spdlog.h>

#include <atomic>

#include <snakepit/errors.hpp>
#include <snakepit/supervision.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

#include "actors/pool_members.hpp"
#include "actors/pool_recycling.hpp"
#include "actors/pool_spares.hpp"
#include "actors/pool_startup.hpp"
#include "actors/worker_actor.hpp"
#include "messages/atoms.hpp"

namespace snakepit::detail {

namespace {

using seconds_d = std::chrono::duration<double>;

/// A worker of the pool filling supervisor child `slot`, without its key.
worker_spec worker_template(pool_ptr self, std::string slot) {
  auto& st = self->state;
  worker_spec w;
  w.slot = std::move(slot);
  w.pool = st.cfg;
  w.env = st.env;
  w.pool_actor = caf::actor_cast<caf::actor>(self);
  return w;
}

/// `w` with the pool's next key and the id that goes with it.
worker_spec with_next_key(worker_spec w, std::atomic<uint64_t>& next_key) {
  w.key = ++next_key;
  w.id = w.pool.name + "/w" + std::to_string(w.key);
  return w;
}

/// A worker that crashed while serving (it was ready) is charged to its
/// slot's own backoff and never fails the pool; a worker that could not
/// start is charged to the restart budget.
failure_charge charge_of(const caf::error& reason) {
  return from_caf_error(reason).code == error_code::worker_crashed
           ? failure_charge::backoff
           : failure_charge::budget;
}

/// The pool's workers' slots, then its spares' (started in that order).
std::vector<child_spec> worker_children(pool_ptr self) {
  auto& st = self->state;
  std::vector<std::string> ids;
  for (int i = 1; i <= st.cfg.size; ++i)
    ids.push_back(st.cfg.name + "/slot" + std::to_string(i));
  for (auto& id : claim_spare_slots(self))
    ids.push_back(std::move(id));
  std::vector<child_spec> out;
  for (auto& id : ids) {
    child_spec spec;
    spec.id = std::move(id);
    spec.shutdown_timeout = st.cfg.shutdown_timeout + std::chrono::seconds{2};
    spec.charge = charge_of;
    // The supervisor calls `start`: it shares only the key counter.
    spec.start = [w = worker_template(self, spec.id),
                  next_key = st.supervision.next_worker_key](caf::local_actor* sup) {
      return spawn_worker(sup, with_next_key(w, *next_key));
    };
    out.push_back(std::move(spec));
  }
  return out;
}

/// Schedules the next probe; the delay, or nullopt when recovery is off.
std::optional<std::chrono::milliseconds> schedule_probe(pool_ptr self) {
  auto& st = self->state;
  auto delay = st.supervision.recovery->next_delay();
  if (!delay)
    return std::nullopt;
  spdlog::info("pool {}: recovery probe {} in {} ms", st.cfg.name,
               st.supervision.recovery->attempts(), delay->count());
  self->delayed_send(self, *delay, recover_atom::value, st.supervision.recovery_round);
  return delay;
}

/// The probe did not become ready: its failure is the pool's now.
void probe_failed(pool_ptr self, failure why) {
  auto& st = self->state;
  st.supervision.probe = nullptr;
  st.supervision.failed.message = "pool " + st.cfg.name + " failed: " + why.message;
  st.supervision.failed.python_type = std::move(why.python_type);
  st.supervision.failed.traceback = std::move(why.traceback);
  spdlog::warn("pool {}: recovery probe failed: {}", st.cfg.name,
               why.message);
  schedule_probe(self);
}

/// Clears the failure and restarts every worker; `trigger` says why.
void bring_back(pool_ptr self, const char* trigger) {
  auto& st = self->state;
  auto downtime = now_of(self) - st.supervision.failed_at;
  auto attempts = st.supervision.recovery->attempts();
  st.supervision.failed = failure{};
  ++st.supervision.recovery_round;
  spdlog::info("pool {}: recovered ({}) after {:.1f} s; starting its {} "
               "workers",
               st.cfg.name, trigger, seconds_d{downtime}.count(), st.cfg.size);
  if (telemetry::has_subscribers(
        telemetry::topic::of<telemetry::pool_recovered>()))
    telemetry::publish(self, telemetry::make_pool_recovered(
                               st.cfg.name, trigger, downtime, attempts));
  start_workers(self);
}

/// The supervisor gave up: answer everything with the cause from now on,
/// and try to come back later.
void enter_failed(pool_ptr self, const caf::error& reason) {
  auto& st = self->state;
  auto& failed = st.supervision.failed;
  failed = from_caf_error(reason);
  failed.code = error_code::pool_failed;
  failed.message = "pool " + st.cfg.name + " failed: " + failed.message;
  st.supervision.failed_at = now_of(self);
  spdlog::error("{}", describe(failed));
  // Its workers are gone: whatever still ran on them gets the cause.
  std::vector<uint64_t> keys;
  for (auto& [key, w] : st.workers)
    keys.push_back(key);
  for (auto key : keys)
    drop_worker(self, key, failed, call_fate::strand);
  forget_spares(self);
  answer_stranded(self, failed);
  fail_queued(self, failed);
  notify_ready_waiters(self);
  begin_recovery(self);
}

/// The worker supervisor is gone: after a stop, quit; otherwise it gave up.
void on_supervisor_gone(pool_ptr self, const caf::error& reason) {
  auto& st = self->state;
  st.supervision.supervisor = nullptr;
  if (!st.stopping) {
    enter_failed(self, reason);
    return;
  }
  auto closing = make_failure(error_code::shutting_down,
                              "pool " + st.cfg.name + " stopped");
  fail_inflight(self, closing);
  answer_stranded(self, closing);
  self->quit(caf::exit_reason::user_shutdown);
}

} // namespace

void start_workers(pool_ptr self) {
  auto& st = self->state;
  supervisor_flags flags;
  flags.name = "pool " + st.cfg.name;
  flags.intensity = st.cfg.max_restarts;
  flags.period = st.cfg.restart_period;
  flags.backoff = st.cfg.restart_backoff;
  flags.backoff_max = st.cfg.restart_backoff_max;
  st.supervision.supervisor = spawn_supervisor(self, std::move(flags),
                                   worker_children(self));
  // CAF 0.17 drops a link when an exit message crosses it, so the pool also
  // monitors its supervisor to learn when it is gone.
  self->monitor(st.supervision.supervisor);
}

void begin_recovery(pool_ptr self) {
  auto& st = self->state;
  if (!st.supervision.recovery)
    st.supervision.recovery.emplace(st.cfg.recovery_backoff, st.cfg.recovery_backoff_max);
  auto delay = schedule_probe(self);
  if (telemetry::has_subscribers(
        telemetry::topic::of<telemetry::pool_failed>()))
    telemetry::publish(
      self, telemetry::make_pool_failed(
              st.cfg.name, st.supervision.failed.message,
              delay ? caf::timespan{*delay}
                    : caf::timespan{std::chrono::seconds{-1}}));
}

void on_recovery_timer(pool_ptr self, uint64_t round) {
  auto& st = self->state;
  if (round != st.supervision.recovery_round || st.stopping || st.supervision.probe
      || st.supervision.failed.code == error_code::none)
    return;
  auto spec = with_next_key(worker_template(self, st.cfg.name + "/probe"),
                            *st.supervision.next_worker_key);
  st.supervision.probe_key = spec.key;
  spdlog::info("pool {}: recovery probe: starting worker {}", st.cfg.name,
               spec.id);
  st.supervision.probe = spawn_unlinked_worker(self->home_system(), std::move(spec));
  self->monitor(st.supervision.probe);
}

bool on_probe_ready(pool_ptr self, const worker_ready& ev) {
  auto& st = self->state;
  if (!st.supervision.probe || ev.key != st.supervision.probe_key)
    return false;
  spdlog::info("pool {}: recovery probe {} is ready", st.cfg.name, ev.id);
  self->send_exit(st.supervision.probe, caf::exit_reason::user_shutdown);
  st.supervision.probe = nullptr;
  bring_back(self, "probe");
  return true;
}

bool on_probe_exited(pool_ptr self, const worker_exited& ev) {
  auto& st = self->state;
  if (!st.supervision.probe || ev.key != st.supervision.probe_key)
    return false;
  probe_failed(self, ev.reason);
  return true;
}

bool on_probe_down(pool_ptr self, const caf::actor_addr& source,
                   const caf::error& reason) {
  auto& st = self->state;
  if (!st.supervision.probe || st.supervision.probe.address() != source)
    return false;
  auto why = from_caf_error(reason);
  why.message = "the recovery probe stopped: " + why.message;
  probe_failed(self, std::move(why));
  return true;
}

void stop_probe(pool_ptr self) {
  auto& st = self->state;
  if (!st.supervision.probe)
    return;
  self->send_exit(st.supervision.probe, caf::exit_reason::user_shutdown);
  st.supervision.probe = nullptr;
}

caf::result<restart_ack> on_manual_restart(pool_ptr self) {
  auto& st = self->state;
  if (st.stopping)
    return to_caf_error(make_failure(error_code::shutting_down,
                                     "pool " + st.cfg.name + " is stopping"));
  if (st.supervision.failed.code == error_code::none)
    return restart_ack{false, {}};
  restart_ack ack{true, st.supervision.failed.message};
  stop_probe(self);
  st.supervision.recovery->reset();
  bring_back(self, "manual");
  return ack;
}

bool on_supervisor_notice(pool_ptr self, const caf::actor_addr& source,
                          const caf::error& reason) {
  auto& sv = self->state.supervision;
  if (sv.half_gone.erase(source) > 0)
    return true;
  if (!sv.supervisor || source != sv.supervisor.address())
    return false;
  sv.half_gone.insert(source);
  on_supervisor_gone(self, reason);
  return true;
}

void note_full_strength(pool_ptr self) {
  auto& st = self->state;
  if (st.supervision.recovery && live_workers(st) >= st.cfg.size)
    st.supervision.recovery->reset();
}

} // namespace snakepit::detail
