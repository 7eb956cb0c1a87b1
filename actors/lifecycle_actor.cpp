#include "actors/lifecycle_actor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <random>
#include <unordered_map>
#include <unordered_set>

#include <snakepit/inspection.hpp>
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
  /// Worker ids by key, from the latest view (for logs and events).
  std::unordered_map<uint64_t, std::string> ids;
  /// A view request is under way: further checks wait for it.
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
  out.max_concurrent = cfg.max_concurrent_recycles;
  return out;
}

/// Adds new workers to the policy, drops the ones gone, counts requests.
void sync_workers(lifecycle_ptr self, const lifecycle_view& view,
                  time_point now) {
  auto& st = self->state;
  auto& policy = *st.policy;
  std::unordered_set<uint64_t> present;
  for (const auto& w : view.workers) {
    present.insert(w.key);
    st.ids[w.key] = w.id;
    if (!policy.contains(w.key))
      policy.add_worker(w.key, now - std::chrono::milliseconds{w.uptime_ms});
    if (auto delta = w.requests - policy.requests(w.key); delta > 0)
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
}

/// Samples each worker's PSS; feeds the policy and returns the samples.
memory_samples sample_memory(lifecycle_ptr self, const lifecycle_view& view,
                             time_point now) {
  auto& st = self->state;
  memory_samples out;
  for (const auto& w : view.workers) {
    auto figures = st.measured.sample(w.key, w.pid, now);
    if (!figures)
      continue; // gone since the view was made: the next view drops it
    out.samples.push_back(memory_sample{w.key, figures->pss_bytes});
    st.policy->record_memory(w.key,
                             static_cast<double>(figures->pss_bytes) / mib,
                             now);
  }
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

void publish_snapshot(lifecycle_ptr self, const lifecycle_view& view,
                      const memory_samples& memory) {
  if (!telemetry::has_subscribers(telemetry::topic::snapshots))
    return;
  std::unordered_map<uint64_t, uint64_t> bytes;
  for (const auto& s : memory.samples)
    bytes[s.key] = s.bytes;
  telemetry::pool_snapshot snap;
  snap.pool = self->state.cfg.name;
  snap.starting = view.starting;
  snap.queue_depth = view.queue_depth;
  for (const auto& w : view.workers)
    snap.workers.push_back(
      telemetry::worker_gauges{w.id, w.slots, w.busy, bytes[w.key]});
  telemetry::publish(self, std::move(snap));
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

void on_view(lifecycle_ptr self, const lifecycle_view& view) {
  auto now = now_of(self);
  sync_workers(self, view, now);
  int busy = 0;
  int total = 0;
  for (const auto& w : view.workers) {
    busy += w.busy;
    total += w.slots;
  }
  self->state.utilization.add(now, busy, total);
  auto memory = sample_memory(self, view, now);
  self->send(self->state.pool, memory);
  publish_snapshot(self, view, memory);
  if (view.serving)
    order_recycles(self, now);
}

/// Asks the pool for its view and acts on it; one request at a time.
void check(lifecycle_ptr self) {
  auto& st = self->state;
  if (st.checking) {
    st.check_again = true;
    return;
  }
  st.checking = true;
  self->request(st.pool, caf::infinite, lifecycle_atom::value)
    .then(
      [self](const lifecycle_view& view) {
        self->state.checking = false;
        on_view(self, view);
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
    [self](inspect_atom, pool_inspection& p) {
      auto& st = self->state;
      std::unordered_map<std::string, uint64_t> keys;
      for (const auto& [key, id] : st.ids)
        keys.emplace(id, key);
      for (auto& w : p.workers)
        if (auto i = keys.find(w.id); i != keys.end())
          st.measured.fill(i->second, w);
      p.utilization_mean = st.utilization.mean();
      p.utilization_peak = st.utilization.peak();
      p.window_samples = static_cast<int>(st.utilization.samples());
      p.window_seconds = st.utilization.seconds();
      return std::move(p);
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
