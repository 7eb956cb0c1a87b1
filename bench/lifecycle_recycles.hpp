#pragma once

/// What the recycling comparisons of snakepit_lifecycle_bench share
/// (lifecycle_recycling.cpp: recycling off against on; lifecycle_churn.cpp:
/// the same under heavy churn, per way of starting workers): a host per
/// side carrying a subscriber that tallies `worker.recycled` events, its
/// rounds, and the report of what was recycled.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <snakepit/host.hpp>
#include <snakepit/telemetry/bus.hpp>

#include "bench/lifecycle.hpp"

namespace snakepit::bench {

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

/// Subscribes a tally of `h`'s worker starts and recycles.
telemetry::subscription subscribe_tally(host& h,
                                        const std::shared_ptr<recycle_tally>& t);

/// One side of a comparison: its host, pool and tally.
struct contender {
  contender(std::string label, std::string pool_name)
    : pool(std::move(pool_name)) {
    side.label = std::move(label);
  }

  ab_side side;
  std::string pool;
  std::unique_ptr<host> h;
  std::shared_ptr<recycle_tally> tally = std::make_shared<recycle_tally>();
  telemetry::subscription sub;
  /// max_requests recycles in each measured window.
  std::vector<int64_t> window_recycles;
};

/// Successful requests per second of a timed result.
double rate_of(const load_result& r);

/// Measures one round of `command` on `c` and prints its line; false when
/// a subscriber did not sync.
bool round_of(contender& c, int round, const std::string& command,
              const std::string& args, const lifecycle_options& opts);

/// Waits up to `limit` for B's first recycle when none was seen yet (a
/// short --quick run may end while the first replacement is starting).
void await_first_recycle(contender& b, std::chrono::milliseconds limit);

/// Prints the recycle counts and records them in `out` (with the median
/// and the largest count of requests a recycled worker had served); false
/// when they show something wrong (no recycle in B, any in A, or B's
/// workers replaced for another reason).
bool report_recycles(contender& a, contender& b, json& out);

} // namespace snakepit::bench
