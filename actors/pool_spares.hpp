#pragma once

/// Internal to the pool actor: pre-warmed spares (`spare_workers`). Each
/// spare fills a supervisor child of its own ("<pool>/spareN"); once ready
/// it is kept out of routing. A recycle takes the oldest ready spare: the
/// supervisor moves it into the recycled worker's child
/// (`adopt_child_atom`) and starts a new spare behind it, and the pool
/// routes to it at once and drains the old worker. Without a ready spare a
/// recycle starts a replacement instead (actors/pool_recycling.hpp).

#include "actors/pool_state.hpp"
#include "messages/worker_messages.hpp"

namespace snakepit::detail {

/// The ids of the supervisor children that hold the pool's spares, which
/// the pool remembers as such.
std::vector<std::string> claim_spare_slots(pool_ptr self);

/// A worker reports ready: true when it is a spare, now kept ready.
bool on_spare_ready(pool_ptr self, const worker_ready& ev);

/// Worker `key` exited: true when it was a spare (now forgotten).
bool forget_spare(pool_ptr self, uint64_t key);

/// The actor at `source` went down: true when it was a spare.
bool forget_spare_at(pool_ptr self, const caf::actor_addr& source);

/// Forgets every spare (the pool failed: its supervisor stopped them).
void forget_spares(pool_ptr self);

/// True when a spare is ready to be swapped in.
bool spare_ready(const pool_state& st);

/// Swaps the oldest ready spare into supervisor child `slot`, whose worker
/// `old_key` is being recycled; false when no spare is ready. Once the
/// supervisor has moved it, the spare serves and the old worker drains.
bool swap_in_spare(pool_ptr self, const std::string& slot, uint64_t old_key);

/// Snapshots of the ready spares, oldest first.
std::vector<worker_snapshot> spare_snapshots(const pool_state& st,
                                             clock_type::time_point now);

} // namespace snakepit::detail
