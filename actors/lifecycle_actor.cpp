#include "actors/lifecycle_actor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <random>
#include <unordered_map>
#include <unordered_set>

#include <snakepit/snapshots.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

#include "actors/actor_time.hpp"
#include "actors/worker_measurements.hpp"
#include "core/recycle_policy.hpp"
#include "core/utilization_window.hpp"
#include "messages/atoms.hpp"
#include "messages/lifecycle_messages.hpp"

namespace snakepit {

namespace {

constexpr double mib = 1024.0 * 1024.0;

struct lifecycle_state {
  pool_config cfg;
  caf::actor pool;
  std::optional<recycle_policy> policy;
  /// Worker ids by key, from the latest snapshot (for logs and events).
  std::unordered_map<uint64_t, std::string> ids;
  /// A snapshot request is under way: further checks wait for it.
  bool checking = false;
  /// A check was asked for while one was under way.
  bool check_again = false;
  /// Memory and CPU of each worker's process.
  worker_measurements measured;
  /// Busy over total slots, one sample per check.
  utilization_window utilization;

  static inline const char* name = "snakepit.lifecycle";
};

using lifecycle_ptr = caf::stateful_actor<lifecycle_state>*;

recycle_limits limits_of(const pool_config& cfg) {
  recycle_limits out;
  if (cfg.worker_ttl != std::chrono::milliseconds::max())
    out.ttl = cfg.worker_ttl;
  out.max_requests = cfg.worker_max_requests;
  out.memory_threshold_mb = cfg.memory_threshold_mb;
  out.jitter = cfg.recycle_jitter;
  // A swap with a spare comes on top of the recycles that start a worker.
  out.max_concurrent = cfg.max_concurrent_recycles + cfg.spare_workers;
  return out;
}

/// Adds new workers to the policy, drops the ones gone, counts requests;
/// tells the pool the request limits drawn for the new ones.
void sync_workers(lifecycle_ptr self, const pool_snapshot& pool,
                  time_point now) {
  auto& st = self->state;
  auto& policy = *st.policy;
  std::unordered_set<uint64_t> present;
  request_limits drawn;
  for (const auto& w : pool.workers) {
    present.insert(w.key);
    st.ids[w.key] = w.id;
    if (!policy.contains(w.key)) {
      policy.add_worker(w.key, now - std::chrono::round<caf::timespan>(
                                       std::chrono::duration<double>{
                                         w.uptime_seconds}));
      if (auto limit = policy.limits_of(w.key)->max_requests)
        drawn.limits.push_back(request_limit{w.key, *limit});
    }
    if (auto delta = w.requests_dispatched - policy.requests(w.key);
        delta > 0)
      policy.record_request(w.key, delta);
  }
  for (auto i = st.ids.begin(); i != st.ids.end();) {
    if (present.count(i->first) == 0) {
      policy.remove_worker(i->first);
      st.measured.forget(i->first);
      i = st.ids.erase(i);
    } else {
      ++i;
    }
  }
  if (!drawn.limits.empty())
    self->send(st.pool, std::move(drawn));
}

/// Whether the timer samples the workers' memory and CPU: when the pool
/// recycles (a memory limit needs the samples; a recycled worker's event
/// reports its PSS), or the gauges (snapshot subscribers) publish them.
/// Otherwise no /proc read happens on the timer, and an inspection samples
/// on demand (`inspect_atom`), so an idle pool costs less.
bool samples_on_timer(const lifecycle_state& st) {
  return st.cfg.recycles()
         || telemetry::has_subscribers(telemetry::topic::snapshots);
}

/// Reads each worker's memory and CPU now; returns the memory samples.
memory_samples take_samples(lifecycle_ptr self, const pool_snapshot& pool,
                            time_point now) {
  memory_samples out;
  for (const auto& w : pool.workers)
    if (auto figures = self->state.measured.sample(w.key, w.info.pid, now))
      out.samples.push_back(memory_sample{w.key, *figures});
  // A worker gone since the snapshot was made has no sample: the next
  // snapshot drops it.
  return out;
}

/// Samples each worker's PSS; feeds the policy and returns the samples.
memory_samples sample_memory(lifecycle_ptr self, const pool_snapshot& pool,
                             time_point now) {
  auto& st = self->state;
  auto out = take_samples(self, pool, now);
  for (const auto& s : out.samples)
    st.policy->record_memory(
      s.key, static_cast<double>(s.memory.pss_bytes) / mib, now);
  for (const auto& report : st.policy->take_birth_reports()) {
    const auto& id = st.ids[report.key];
    spdlog::warn("pool {}: worker {} uses {:.1f} MiB (PSS) right after "
                 "start, over memory_threshold_mb ({:.1f} for it); it keeps "
                 "serving and is not recycled for memory, since its "
                 "replacement would start as big",
                 st.cfg.name, id, report.baseline_mb, report.threshold_mb);
    if (telemetry::has_subscribers(
          telemetry::topic::of<telemetry::worker_memory_over_limit>()))
      telemetry::publish(self, telemetry::make_memory_over_limit(
                                 st.cfg.name, id,
                                 static_cast<uint64_t>(report.baseline_mb
                                                       * mib),
                                 static_cast<uint64_t>(report.threshold_mb
                                                       * mib)));
  }
  return out;
}

/// Adds the lifecycle actor's measurements to `pool`: memory, CPU and
/// memory growth of each worker, utilization over the window.
void add_measurements(lifecycle_ptr self, pool_snapshot& pool) {
  auto& st = self->state;
  for (auto& w : pool.workers)
    st.measured.fill(w.key, w);
  pool.utilization_mean = st.utilization.mean();
  pool.utilization_peak = st.utilization.peak();
  pool.window_samples = static_cast<int>(st.utilization.samples());
  pool.window_seconds = st.utilization.seconds();
}

/// Publishes `pool`, measured, for the gauges when anyone subscribes.
void publish_snapshot(lifecycle_ptr self, pool_snapshot pool) {
  if (!telemetry::has_subscribers(telemetry::topic::snapshots))
    return;
  add_measurements(self, pool);
  telemetry::publish(self, std::move(pool));
}

/// Sends the pool a recycle order for each worker that is due.
void order_recycles(lifecycle_ptr self, time_point now) {
  auto& st = self->state;
  for (const auto& order : st.policy->due(now)) {
    st.policy->recycle_started(order.key);
    auto key = order.key;
    self->request(st.pool, caf::infinite, recycle_atom::value, key,
                  to_string(order.reason))
      .then(
        [self, key](bool started) {
          if (!started)
            self->state.policy->recycle_cancelled(key);
        },
        [self, key](const caf::error&) {
          self->state.policy->recycle_cancelled(key);
        });
  }
}

void on_snapshot(lifecycle_ptr self, pool_snapshot pool) {
  auto now = now_of(self);
  sync_workers(self, pool, now);
  int busy = 0;
  int total = 0;
  for (const auto& w : pool.workers) {
    busy += w.busy;
    total += w.info.slots;
  }
  self->state.utilization.add(now, busy, total);
  if (samples_on_timer(self->state))
    self->send(self->state.pool, sample_memory(self, pool, now));
  auto serving = !pool.stopping && pool.failed.code == error_code::none;
  publish_snapshot(self, std::move(pool));
  if (serving)
    order_recycles(self, now);
}

/// Asks the pool for its snapshot and acts on it; one request at a time.
void check(lifecycle_ptr self) {
  auto& st = self->state;
  if (st.checking) {
    st.check_again = true;
    return;
  }
  st.checking = true;
  self->request(st.pool, caf::infinite, lifecycle_atom::value)
    .then(
      [self](pool_snapshot& pool) {
        self->state.checking = false;
        on_snapshot(self, std::move(pool));
        if (std::exchange(self->state.check_again, false))
          check(self);
      },
      [self](const caf::error&) { self->state.checking = false; });
}

caf::behavior lifecycle_behavior(lifecycle_ptr self, pool_config cfg,
                                 caf::actor pool) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.pool = std::move(pool);
  st.policy.emplace(limits_of(st.cfg), std::random_device{}());
  self->delayed_send(self, st.cfg.lifecycle_interval, lifecycle_atom::value);
  return {
    [self](lifecycle_atom) {
      check(self);
      self->delayed_send(self, self->state.cfg.lifecycle_interval,
                         lifecycle_atom::value);
    },
    [self](due_check_atom) { check(self); },
    [self](const manual_recycle& order) {
      auto& policy = *self->state.policy;
      auto now = now_of(self);
      for (auto key : order.keys) {
        if (!policy.contains(key))
          policy.add_worker(key, now);
        policy.request_manual(key);
      }
      check(self);
    },
    [self](inspect_atom, pool_snapshot& pool) {
      if (!samples_on_timer(self->state))
        self->send(self->state.pool, take_samples(self, pool, now_of(self)));
      add_measurements(self, pool);
      return std::move(pool);
    },
    [self](const recycle_ended& ev) {
      auto& policy = *self->state.policy;
      if (!ev.completed) {
        // It stays due; the next periodic check tries again.
        policy.recycle_cancelled(ev.key);
        return;
      }
      policy.recycle_finished(ev.key);
      self->state.ids.erase(ev.key);
      // The next worker may be due already: do not wait for the timer.
      check(self);
    },
  };
}

} // namespace

caf::actor spawn_lifecycle(caf::local_actor* pool_self, pool_config cfg) {
  return pool_self->spawn<caf::linked>(
    lifecycle_behavior, std::move(cfg),
    caf::actor_cast<caf::actor>(pool_self));
}

} // namespace snakepit
