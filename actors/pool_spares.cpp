#include "actors/pool_spares.hpp"

#include <spdlog/spdlog.h>

#include <snakepit/errors.hpp>

#include "actors/pool_recycling.hpp"
#include "actors/pool_requests.hpp"
#include "messages/atoms.hpp"

namespace snakepit::detail {

namespace {

/// The supervisor moved spare `key` into `slot`: it serves from now on and
/// the recycled worker there drains.
void promote(pool_ptr self, uint64_t key, const std::string& slot) {
  auto& st = self->state;
  auto i = st.spares.swapping.find(key);
  if (i == st.spares.swapping.end()) {
    // It died after the move: the supervisor restarts `slot`, and that
    // worker completes the recycle when it is ready.
    return;
  }
  auto entry = std::move(i->second);
  st.spares.swapping.erase(i);
  entry.slot = slot;
  // Its limits (time to live, requests) count from now, when it serves.
  entry.ready_at = now_of(self);
  open_slots(self, key, entry.snapshot.info.slots);
  spdlog::info("pool {}: spare {} swapped in ({})", st.cfg.name,
               entry.snapshot.id, slot);
  st.workers[key] = std::move(entry);
  on_replacement_ready(self, slot);
  ask_due_check(self);
  pump(self);
}

/// The supervisor did not move spare `key`: it stays a spare (if still
/// there), and the recycle of `old_key` in `slot` is abandoned for now.
void give_back(pool_ptr self, uint64_t key, const std::string& slot,
               uint64_t old_key, const std::string& why) {
  auto& st = self->state;
  if (auto i = st.spares.swapping.find(key); i != st.spares.swapping.end()) {
    st.spares.ready.insert(st.spares.swapping.extract(i));
  }
  abandon_recycle(self, slot, old_key, why);
}

} // namespace

std::vector<std::string> claim_spare_slots(pool_ptr self) {
  auto& st = self->state;
  std::vector<std::string> out;
  for (int i = 1; i <= st.cfg.spare_workers; ++i) {
    out.push_back(st.cfg.name + "/spare" + std::to_string(i));
    st.spares.slots.insert(out.back());
  }
  return out;
}

bool on_spare_ready(pool_ptr self, const worker_ready& ev) {
  auto& st = self->state;
  if (st.spares.slots.count(ev.slot) == 0)
    return false;
  worker_entry entry{ev.worker, ev.slot, now_of(self), {}};
  entry.snapshot.key = ev.key;
  entry.snapshot.id = ev.id;
  entry.snapshot.info = ev.info;
  st.spares.ready[ev.key] = std::move(entry);
  spdlog::info("pool {}: spare {} ready (pid {}), {}/{} spares ready",
               st.cfg.name, ev.id, ev.info.pid, st.spares.ready.size(),
               st.cfg.spare_workers);
  // A worker may be due and waiting for a spare.
  ask_due_check(self);
  return true;
}

bool forget_spare(pool_ptr self, uint64_t key) {
  auto& sp = self->state.spares;
  return sp.ready.erase(key) + sp.swapping.erase(key) > 0;
}

bool forget_spare_at(pool_ptr self, const caf::actor_addr& source) {
  auto& sp = self->state.spares;
  for (auto* book : {&sp.ready, &sp.swapping})
    for (auto i = book->begin(); i != book->end(); ++i)
      if (i->second.handle.address() == source) {
        book->erase(i);
        return true;
      }
  return false;
}

void forget_spares(pool_ptr self) {
  self->state.spares.ready.clear();
  self->state.spares.swapping.clear();
}

bool spare_ready(const pool_state& st) {
  return !st.spares.ready.empty();
}

bool swap_in_spare(pool_ptr self, const std::string& slot, uint64_t old_key) {
  auto& st = self->state;
  if (st.spares.ready.empty())
    return false;
  auto node = st.spares.ready.extract(st.spares.ready.begin());
  auto key = node.key();
  auto from = node.mapped().slot;
  auto instance = node.mapped().handle;
  st.spares.swapping.insert(std::move(node));
  self->request(st.supervision.supervisor, caf::infinite,
                adopt_child_atom::value, from, slot, instance)
    .then(
      [self, key, slot, old_key](bool moved) {
        if (moved)
          promote(self, key, slot);
        else
          give_back(self, key, slot, old_key,
                    "its spare stopped before it could take over");
      },
      [self, key, slot, old_key](const caf::error& err) {
        give_back(self, key, slot, old_key, from_caf_error(err).message);
      });
  return true;
}

std::vector<worker_snapshot> spare_snapshots(const pool_state& st,
                                             clock_type::time_point now) {
  std::vector<worker_snapshot> out;
  for (const auto& [key, w] : st.spares.ready) {
    auto s = w.snapshot;
    s.uptime_seconds = std::chrono::duration<double>(now - w.ready_at).count();
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace snakepit::detail
