#include "actors/pool_startup.hpp"

#include <spdlog/spdlog.h>

#include "actors/pool_snapshots.hpp"

namespace snakepit::detail {

namespace {

void grant_permits(pool_ptr self) {
  auto& st = self->state;
  auto& startup = st.startup;
  while (!startup.permit_waiters.empty()
         && static_cast<int>(startup.permit_holders.size())
              < st.cfg.startup_concurrency) {
    auto [addr, rp] = std::move(startup.permit_waiters.front());
    startup.permit_waiters.pop_front();
    startup.permit_holders.insert(addr);
    rp.deliver(true);
  }
}

} // namespace

caf::typed_response_promise<bool> on_start_permit(pool_ptr self) {
  auto& st = self->state;
  // Read the sender first: making the promise moves it out of the current
  // message.
  auto sender = caf::actor_cast<caf::actor>(self->current_sender());
  auto rp = self->make_response_promise<bool>();
  if (st.stopping) {
    rp.deliver(false);
    return rp;
  }
  self->monitor(sender);
  st.startup.permit_waiters.emplace_back(sender.address(), rp);
  grant_permits(self);
  return rp;
}

void release_permit(pool_ptr self, const caf::actor_addr& addr) {
  if (self->state.startup.permit_holders.erase(addr) > 0)
    grant_permits(self);
}

void refuse_permits(pool_ptr self) {
  auto& waiters = self->state.startup.permit_waiters;
  for (auto& [addr, rp] : waiters)
    rp.deliver(false);
  waiters.clear();
}

caf::typed_response_promise<pool_snapshot> on_await_ready(pool_ptr self) {
  auto rp = self->make_response_promise<pool_snapshot>();
  self->state.startup.ready_waiters.push_back(rp);
  notify_ready_waiters(self);
  return rp;
}

void notify_ready_waiters(pool_ptr self) {
  auto& st = self->state;
  auto& waiters = st.startup.ready_waiters;
  if (waiters.empty())
    return;
  auto snapshot = make_pool_snapshot(self);
  if (!snapshot.all_ready() && st.supervision.failed.code == error_code::none)
    return;
  for (auto& rp : waiters)
    rp.deliver(snapshot);
  waiters.clear();
}

void warn_if_gil_bound(pool_ptr self, const worker_ready& ev) {
  auto& st = self->state;
  if (st.cfg.profile != worker_profile::thread || !ev.info.gil_enabled
      || st.startup.gil_warned)
    return;
  st.startup.gil_warned = true;
  spdlog::warn("pool {}: thread profile on an interpreter with the GIL "
               "enabled ({}): I/O-bound tools and tools that release the "
               "GIL (hashlib, numpy, ...) run in parallel, pure-Python CPU "
               "work does not (use the process profile for that)",
               st.cfg.name, ev.info.executable);
}

} // namespace snakepit::detail
