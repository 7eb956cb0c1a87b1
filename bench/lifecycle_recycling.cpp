// Comparison 1: recycling off (A) vs on (B) under the same steady load.
//
// Two hosts run side by side for the whole comparison, each with one pool
// of `workers` showcase workers (process profile): A without recycling
// limits, B with `worker_max_requests` sized so that each worker is
// recycled about every `recycle_every_s` at the rate A reached in a
// calibration round, and `lifecycle_interval` 100 ms. Keeping both hosts
// up (instead of restarting them per round) measures recycling in its
// steady state: B's request counters carry over from round to round, so
// recycles fall at varying points of the rounds, as they would in
// production, and no round pays for a pool start-up or a cold interpreter.
// The hosts take turns; the idle one costs next to nothing (its workers
// wait in a blocking gRPC server, its health check runs every 5 s).
//
// Both hosts carry the same counting subscriber: it counts
// `snakepit.worker.recycled` events, and since the bus's "anyone listening"
// flag is process-wide, giving A one too keeps the per-request telemetry
// work equal on both sides (that cost is comparison 2's subject).

#include <caf/all.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include <snakepit/snakepit.hpp>

#include "bench/lifecycle.hpp"
#include "bench/lifecycle_recycles.hpp"

namespace snakepit::bench {

namespace {

const char* pool_off = "recycling-off";
const char* pool_on = "recycling-on";

} // namespace

bool run_recycling(const lifecycle_options& opts, json& out) {
  auto args = fmt::format(R"({{"ms": {}}})", opts.sleep_ms);
  std::cout << fmt::format(
    "\n## 1. Recycling off (A) vs on (B): {} callers, tool sleep {}, pools "
    "of {} process workers\n\n",
    opts.callers, args, opts.workers);

  contender a{"A recycling off", pool_off};
  contender b{"B recycling on", pool_on};
  a.h = start_host(base_config(pool_off, opts), "A");
  if (!a.h)
    return false;
  a.sub = subscribe_tally(*a.h, a.tally);
  if (!warm_up(a.h->client(), a.pool, "sleep", args, opts))
    return false;

  // Calibration on A: its rate sizes B's max_requests.
  auto cal = run_for(a.h->client(), a.pool, "sleep", args, opts.callers,
                     std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::duration<double>(opts.seconds)));
  if (cal.calls.failures > 0) {
    std::cout << fmt::format("calibration: {} calls failed, e.g. {}\n",
                             cal.calls.failures, cal.failures.front());
    return false;
  }
  auto rate = rate_of(cal);
  auto max_requests =
    opts.max_requests > 0
      ? opts.max_requests
      : std::max<int64_t>(10, std::llround(rate / opts.workers
                                           * opts.recycle_every_s));
  std::cout << fmt::format(
    "calibration on A: {:.1f} req/s ({:.1f} per worker) -> B: "
    "worker_max_requests = {}{}, lifecycle_interval = 100ms, jitter 0.1\n",
    rate, rate / opts.workers, max_requests,
    opts.max_requests > 0
      ? " (--max-requests)"
      : fmt::format(" (a recycle of each worker about every {:.2g} s)",
                    opts.recycle_every_s));

  auto b_cfg = base_config(pool_on, opts);
  b_cfg.pools.front().worker_max_requests = max_requests;
  b_cfg.pools.front().lifecycle_interval = std::chrono::milliseconds{100};
  b.h = start_host(b_cfg, "B");
  if (!b.h)
    return false;
  b.sub = subscribe_tally(*b.h, b.tally);
  if (!warm_up(b.h->client(), b.pool, "sleep", args, opts))
    return false;

  std::cout << '\n';
  print_round_header();
  bool synced = true;
  for (int r = 1; r <= opts.rounds; ++r) {
    synced = round_of(a, r, "sleep", args, opts) && synced;
    synced = round_of(b, r, "sleep", args, opts) && synced;
  }
  await_first_recycle(b, std::chrono::seconds{10});

  print_failures(a.side);
  print_failures(b.side);
  out = load_json(opts, "sleep", args);
  out["calibration_calls_per_s"] = rate;
  out["worker_max_requests"] = max_requests;
  out["ab"] = print_ab_summary(a.side, b.side, 0.9);
  auto ok = report_recycles(a, b, out["recycles"]) && synced;
  ok = ok && a.side.summary.failures() == 0 && b.side.summary.failures() == 0;

  a.sub.cancel();
  b.sub.cancel();
  b.h->stop();
  a.h->stop();
  return ok;
}

} // namespace snakepit::bench
