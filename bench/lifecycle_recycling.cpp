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
#include <atomic>
#include <cmath>
#include <iostream>
#include <mutex>
#include <thread>

#include <snakepit/snakepit.hpp>
#include <snakepit/telemetry/bus.hpp>

#include "bench/lifecycle.hpp"

namespace snakepit::bench {

namespace {

namespace tel = snakepit::telemetry;

const char* pool_off = "recycling-off";
const char* pool_on = "recycling-on";

/// What the counting subscriber of one host saw. Shared with the callback,
/// which runs on a CAF thread and may outlive the subscription briefly.
struct recycle_tally {
  std::atomic<int64_t> max_requests{0};
  std::atomic<int64_t> other{0};
  std::atomic<int64_t> started{0};
  std::mutex mtx;
  /// Per max_requests recycle: requests served and uptime of the worker.
  std::vector<double> requests;
  std::vector<double> uptime_s;
  /// "default/w1: crashed" for every recycle of another reason.
  std::vector<std::string> other_lines;
};

tel::subscription subscribe_tally(host& h,
                                  const std::shared_ptr<recycle_tally>& t) {
  return tel::subscribe(h.system(), [t](const tel::event& ev) {
    if (std::holds_alternative<tel::worker_started>(ev)) {
      ++t->started;
      return;
    }
    const auto* recycled = std::get_if<tel::worker_recycled>(&ev);
    if (recycled == nullptr)
      return;
    std::lock_guard<std::mutex> guard{t->mtx};
    if (recycled->reason == recycle_reason::max_requests) {
      t->requests.push_back(static_cast<double>(recycled->requests));
      t->uptime_s.push_back(
        std::chrono::duration<double>{recycled->uptime}.count());
      ++t->max_requests;
    } else {
      t->other_lines.push_back(recycled->worker + ": "
                               + to_string(recycled->reason));
      ++t->other;
    }
  });
}

/// One side of the comparison: its host, pool and tally.
struct contender {
  contender(std::string label, std::string pool_name)
    : pool(std::move(pool_name)) {
    side.label = std::move(label);
  }

  ab_side side;
  std::string pool;
  std::unique_ptr<host> h;
  std::shared_ptr<recycle_tally> tally = std::make_shared<recycle_tally>();
  tel::subscription sub;
  /// max_requests recycles in each measured window.
  std::vector<int64_t> window_recycles;
};

/// Successful requests per second of a timed result.
double rate_of(const load_result& r) {
  auto s = std::chrono::duration<double>(r.calls.wall).count();
  return s > 0 ? r.calls.latencies_ns.size() / s : 0;
}

/// Measures one round of `c` and prints its line; false when a
/// subscriber did not sync.
bool round_of(contender& c, int round, const std::string& args,
              const lifecycle_options& opts) {
  bool synced = sync_subscriber(c.h->system(), c.sub.actor());
  auto before = c.tally->max_requests.load();
  auto r = measure_round(c.side, round, c.h->client(), c.pool, "sleep", args,
                         opts);
  synced = sync_subscriber(c.h->system(), c.sub.actor()) && synced;
  auto n = c.tally->max_requests.load() - before;
  c.window_recycles.push_back(n);
  print_round(c.side,
              fmt::format("recycles {}, workers served {}{}", n,
                          r.per_worker.size(),
                          synced ? "" : " (subscriber sync timed out)"));
  return synced;
}

/// Waits up to `limit` for B's first recycle when none was seen yet (a
/// short --quick run may end while the first replacement is starting).
void await_first_recycle(contender& b, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (b.tally->max_requests.load() == 0
         && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
    sync_subscriber(b.h->system(), b.sub.actor());
  }
}

std::string join(const std::vector<int64_t>& v) {
  std::string out;
  for (auto x : v)
    out += (out.empty() ? "" : " ") + std::to_string(x);
  return out;
}

/// Prints the recycle counts and records them in `out`; false when they
/// show something wrong (no recycle in B, any in A, or B's workers
/// replaced for another reason).
bool report_recycles(contender& a, contender& b, json& out) {
  std::lock_guard<std::mutex> guard{b.tally->mtx};
  int64_t in_windows = 0;
  for (auto n : b.window_recycles)
    in_windows += n;
  std::cout << fmt::format(
    "\nRecycles (reason max_requests) during B's measured windows: {} "
    "(per round: {}); since B started, warm-up and gaps included: {}",
    in_windows, join(b.window_recycles), b.tally->max_requests.load());
  if (!b.tally->requests.empty())
    std::cout << fmt::format("; a recycled worker had served a median of "
                             "{:.0f} requests in {:.1f} s of uptime (B idles "
                             "during A's rounds)",
                             median(b.tally->requests),
                             median(b.tally->uptime_s));
  std::cout << ".\n";
  // The subscriber came after the pool was ready: every start it saw is a
  // replacement.
  std::cout << fmt::format("Replacement workers started in B: {}.\n",
                           b.tally->started.load());
  out = {{"in_windows", in_windows},
         {"per_round", b.window_recycles},
         {"since_start", b.tally->max_requests.load()},
         {"replacements_started", b.tally->started.load()},
         {"served_median",
          b.tally->requests.empty() ? json(nullptr)
                                    : json(median(b.tally->requests))},
         {"in_a", a.tally->max_requests.load() + a.tally->other.load()},
         {"other_reason_in_b", b.tally->other_lines.size()}};
  bool ok = true;
  if (b.tally->max_requests.load() == 0) {
    std::cout << "ERROR: B never recycled a worker: this run did not "
                 "measure recycling (raise --seconds or lower "
                 "--max-requests)\n";
    ok = false;
  }
  auto a_recycles = a.tally->max_requests.load() + a.tally->other.load();
  if (a_recycles > 0) {
    std::cout << fmt::format("ERROR: A, which has no recycling limits, "
                             "replaced {} worker(s)\n",
                             a_recycles);
    ok = false;
  }
  if (!b.tally->other_lines.empty()) {
    std::cout << fmt::format("ERROR: B replaced {} worker(s) for another "
                             "reason than max_requests:\n",
                             b.tally->other_lines.size());
    for (const auto& line : b.tally->other_lines)
      std::cout << "  " << line << '\n';
    ok = false;
  }
  return ok;
}

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
    synced = round_of(a, r, args, opts) && synced;
    synced = round_of(b, r, args, opts) && synced;
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
