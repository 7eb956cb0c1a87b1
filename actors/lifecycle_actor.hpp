#pragma once

/// A lifecycle actor watches the workers of one pool.
///
/// Every `lifecycle_interval` it asks its pool for its snapshot
/// (`(lifecycle_atom) -> pool_snapshot`, <snakepit/snapshots.hpp>),
/// samples the PSS of each worker's Python process
/// (/proc/PID/smaps_rollup), feeds both to a `recycle_policy` (TTL,
/// request count, memory, each with per-worker jitter) and sends the pool a
/// recycle order for each worker that is due, within
/// `max_concurrent_recycles`. It also hands the memory samples to the pool
/// and, when anyone subscribes to the gauges (`telemetry::topic::snapshots`),
/// publishes that snapshot with its measurements filled in. A worker
/// already over its memory threshold at its first sample is reported once
/// (log and `snakepit.worker.memory_over_limit` event) and keeps serving,
/// instead of being replaced in a loop.
///
/// One per pool, spawned and linked by the pool: its policy state is the
/// pool's, it stops with the pool, and a slow /proc read of one pool never
/// delays another's checks.
///
/// It also answers the measured part of a pool inspection: memory, CPU
/// and utilization over its last 60 checks.
///
/// interface lifecycle {
///   (manual_recycle)   // from the pool: recycle these workers soon
///   (recycle_ended)    // from the pool: a recycle completed or failed
///   (inspect_atom, pool_snapshot) -> (pool_snapshot)  // adds measurements
/// }

#include <caf/fwd.hpp>

#include <snakepit/config.hpp>

namespace snakepit {

/// Spawns the lifecycle actor of the pool `pool_self` (linked to it).
caf::actor spawn_lifecycle(caf::local_actor* pool_self, pool_config cfg);

} // namespace snakepit
