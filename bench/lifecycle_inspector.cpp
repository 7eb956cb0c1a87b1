// Comparison 3: what inspecting a pool costs (`client::inspect`, the call
// behind `snakepit inspect`).
//
// One host, one pool of `workers` showcase workers. First the latency of
// one inspection of the idle pool (`inspections` calls one after the
// other). Then A/B rounds under the steady `ping` load of comparison 2 (the
// lightest request, so the pool actor is as busy as it gets and anything
// the inspection takes from it shows): A the load alone, B the load plus a
// thread calling `client::inspect` every `inspect_every_ms`, whose
// latencies give the cost of one inspection under load. An inspection is
// one request to the pool actor, which builds the snapshot and delegates
// to its lifecycle actor for the measured figures (memory, CPU,
// utilization window); it reads no /proc file itself.

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include <snakepit/snakepit.hpp>

#include "bench/lifecycle.hpp"

namespace snakepit::bench {

namespace {

using clock_type = std::chrono::steady_clock;

const char* pool_name = "inspected";

/// Latencies of inspections, and those that failed.
struct inspections {
  std::vector<int64_t> latencies_ns;
  int64_t failures = 0;
  std::string first_error;
};

/// One `client::inspect` call, timed, into `out`.
void inspect_once(client& c, inspections& out) {
  auto t0 = clock_type::now();
  auto r = c.inspect(pool_name);
  auto t1 = clock_type::now();
  if (!r) {
    if (out.failures++ == 0)
      out.first_error = describe(r.error());
    return;
  }
  out.latencies_ns.push_back(
    std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
}

/// Calls `client::inspect` every `every` on its own thread until stopped.
class periodic_inspector {
public:
  periodic_inspector(client& c, std::chrono::milliseconds every,
                     inspections& out)
    : thread_([this, &c, every, &out] {
        auto next = clock_type::now();
        std::unique_lock<std::mutex> lock{mtx_};
        while (!stop_) {
          lock.unlock();
          inspect_once(c, out);
          lock.lock();
          next += every;
          cv_.wait_until(lock, next, [this] { return stop_; });
        }
      }) {
  }

  /// Stops and joins the thread.
  ~periodic_inspector() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  periodic_inspector(const periodic_inspector&) = delete;
  periodic_inspector& operator=(const periodic_inspector&) = delete;

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_; // last: starts after the members it uses
};

/// "p50 123 us, p99 456 us (200 inspections)" and the JSON of the same.
json print_latencies(const char* what, const inspections& in) {
  auto pct = percentiles_json(in.latencies_ns);
  std::cout << fmt::format(
    "inspection latency, {}: p50 {:.0f} us, p99 {:.0f} us, max {:.0f} us "
    "({} inspections, {} failed{})\n",
    what, pct["p50"].get<double>(), pct["p99"].get<double>(),
    pct["max"].get<double>(), in.latencies_ns.size(), in.failures,
    in.failures > 0 ? ", e.g. " + in.first_error : std::string{});
  return {{"p50_us", pct["p50"]},
          {"p99_us", pct["p99"]},
          {"count", in.latencies_ns.size()},
          {"failures", in.failures},
          {"percentiles_us", pct}};
}

} // namespace

bool run_inspector(const lifecycle_options& opts, json& out) {
  std::cout << fmt::format(
    "\n## 3. Inspector off (A) vs on (B: client::inspect every {} ms): {} "
    "callers, tool ping, one pool of {} process workers\n\n",
    opts.inspect_every_ms, opts.callers, opts.workers);
  auto h = start_host(base_config(pool_name, opts), "pool");
  if (!h)
    return false;
  auto& c = h->client();

  inspections idle;
  inspect_once(c, idle); // the first one looks the pool up
  idle = {};
  for (int i = 0; i < opts.inspections; ++i)
    inspect_once(c, idle);
  if (!warm_up(c, pool_name, "ping", "{}", opts))
    return false;

  ab_side a{"A no inspector", {}, {}};
  ab_side b{fmt::format("B inspect every {} ms", opts.inspect_every_ms),
            {},
            {}};
  inspections loaded;
  std::cout << '\n';
  print_round_header();
  for (int r = 1; r <= opts.rounds; ++r) {
    measure_round(a, r, c, pool_name, "ping", "{}", opts);
    print_round(a);
    auto before = loaded.latencies_ns.size();
    {
      periodic_inspector inspector{
        c, std::chrono::milliseconds{opts.inspect_every_ms}, loaded};
      measure_round(b, r, c, pool_name, "ping", "{}", opts);
    }
    print_round(b, fmt::format("inspections {}",
                               loaded.latencies_ns.size() - before));
  }
  print_failures(a);
  print_failures(b);
  auto ab = print_ab_summary(a, b, std::nullopt);
  std::cout << '\n';
  out = load_json(opts, "ping", "{}");
  out["inspect_every_ms"] = opts.inspect_every_ms;
  out["idle"] = print_latencies("idle pool", idle);
  out["under_load"] = print_latencies("under the load (B)", loaded);
  out["ab"] = std::move(ab);
  h->stop();
  return idle.failures == 0 && loaded.failures == 0
         && !loaded.latencies_ns.empty() && a.summary.failures() == 0
         && b.summary.failures() == 0;
}

} // namespace snakepit::bench
