// Comparison 4: recycling under heavy churn, per way of starting workers
// (issue 13). The load of the issue: `echo` from --churn-callers callers
// (8) on pools of --workers (2), B recycling each worker after
// --churn-max-requests (25) requests, so that at a few thousand requests
// a second every worker is due every few milliseconds and the start of a
// replacement is what limits. One host without recycling (A) and one host
// per row (B: plain spawns, the fork server, the fork server with 2
// pre-warmed spares) run side by side for the whole comparison and take
// turns, A first, in every round. Per row:
// throughput B/A (target >= 0.8), the requests a recycled worker had
// served by the time it was replaced (from `worker.recycled`: median and
// max, target at most twice the limit), and no failed request.

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iostream>

#include <snakepit/snakepit.hpp>

#include "bench/lifecycle.hpp"
#include "bench/lifecycle_recycles.hpp"

namespace snakepit::bench {

namespace {

/// One row: how B's pool starts its workers.
struct churn_row {
  std::string label;
  std::function<void(pool_config&)> apply;
};

/// The rows, in the order they run; another way of starting is one more
/// line.
const std::vector<churn_row>& churn_rows() {
  static const std::vector<churn_row> rows{
    {"plain spawn", [](pool_config& p) { p.fork_server = false; }},
    {"fork server", [](pool_config& p) { p.fork_server = true; }},
    {"fork server + 2 spares",
     [](pool_config& p) {
       p.fork_server = true;
       p.spare_workers = 2;
     }},
  };
  return rows;
}

constexpr double throughput_target = 0.8;
constexpr double overshoot_target = 2.0;
const char* echo_args = R"({"payload": "churn"})";

/// Starts `c`'s host on `cfg`, subscribes its tally and warms it up.
bool start(contender& c, const host_config& cfg,
           const lifecycle_options& opts) {
  c.h = start_host(cfg, c.side.label);
  if (!c.h)
    return false;
  c.sub = subscribe_tally(*c.h, c.tally);
  return warm_up(c.h->client(), c.pool, "echo", echo_args, opts);
}

/// Prints and records row `b` against `a`; false when it shows a failure.
bool report_row(contender& a, contender& b, int64_t limit, json& out) {
  std::cout << fmt::format("\n### {} against recycling off\n",
                           b.side.label);
  out["label"] = b.side.label;
  out["ab"] = print_ab_summary(a.side, b.side, throughput_target);
  auto ok = report_recycles(a, b, out["recycles"]);
  const auto& served = out["recycles"]["served_max"];
  auto max_served = served.is_null() ? 0.0 : served.get<double>();
  auto served_median = out["recycles"]["served_median"].is_null()
                         ? 0.0
                         : out["recycles"]["served_median"].get<double>();
  auto met = max_served <= overshoot_target * limit;
  std::cout << fmt::format("requests per recycled worker: median {:.0f}, max "
                           "{:.0f}, limit {} (target max <= {:.0f}: {})\n",
                           served_median, max_served, limit,
                           overshoot_target * limit, met ? "met" : "NOT met");
  out["served_target"] = overshoot_target * limit;
  out["served_target_met"] = met;
  return ok && b.side.summary.failures() == 0;
}

} // namespace

bool run_churn(const lifecycle_options& opts, json& out) {
  auto load = opts;
  load.callers = opts.churn_callers;
  auto limit = opts.churn_max_requests;
  std::cout << fmt::format(
    "\n## 4. Recycling under churn: {} callers, tool echo {}, pools of {} "
    "process workers, B: worker_max_requests = {}, lifecycle_interval = "
    "100ms, one B per way of starting workers\n\n",
    load.callers, echo_args, load.workers, limit);

  contender a{"A recycling off", "churn-off"};
  if (!start(a, base_config(a.pool, load), load))
    return false;
  std::vector<std::unique_ptr<contender>> bs;
  for (const auto& row : churn_rows()) {
    auto pool = fmt::format("churn-{}", bs.size() + 1);
    auto& b = *bs.emplace_back(
      std::make_unique<contender>("B " + row.label, pool));
    auto cfg = base_config(pool, load);
    cfg.pools.front().worker_max_requests = limit;
    cfg.pools.front().lifecycle_interval = std::chrono::milliseconds{100};
    row.apply(cfg.pools.front());
    if (!start(b, cfg, load))
      return false;
  }

  std::cout << '\n';
  print_round_header();
  bool ok = true;
  for (int r = 1; r <= load.rounds; ++r) {
    ok = round_of(a, r, "echo", echo_args, load) && ok;
    for (auto& b : bs)
      ok = round_of(*b, r, "echo", echo_args, load) && ok;
  }
  print_failures(a.side);
  out = load_json(load, "echo", echo_args);
  out["worker_max_requests"] = limit;
  out["lifecycle_interval_ms"] = 100;
  for (auto& b : bs) {
    await_first_recycle(*b, std::chrono::seconds{10});
    print_failures(b->side);
    json row;
    ok = report_row(a, *b, limit, row) && ok;
    out["rows"].push_back(std::move(row));
  }
  ok = ok && a.side.summary.failures() == 0;

  a.sub.cancel();
  for (auto& b : bs) {
    b->sub.cancel();
    b->h->stop();
  }
  a.h->stop();
  return ok;
}

} // namespace snakepit::bench
