// The recycling comparisons' shared parts (see bench/lifecycle_recycles.hpp).

#include "bench/lifecycle_recycles.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include <snakepit/snakepit.hpp>

namespace snakepit::bench {

namespace {

namespace tel = snakepit::telemetry;

std::string join(const std::vector<int64_t>& v) {
  std::string out;
  for (auto x : v)
    out += (out.empty() ? "" : " ") + std::to_string(x);
  return out;
}

} // namespace

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

double rate_of(const load_result& r) {
  auto s = std::chrono::duration<double>(r.calls.wall).count();
  return s > 0 ? r.calls.latencies_ns.size() / s : 0;
}

bool round_of(contender& c, int round, const std::string& command,
              const std::string& args, const lifecycle_options& opts) {
  bool synced = sync_subscriber(c.h->system(), c.sub.actor());
  auto before = c.tally->max_requests.load();
  auto r = measure_round(c.side, round, c.h->client(), c.pool, command,
                         args, opts);
  synced = sync_subscriber(c.h->system(), c.sub.actor()) && synced;
  auto n = c.tally->max_requests.load() - before;
  c.window_recycles.push_back(n);
  print_round(c.side,
              fmt::format("recycles {}, workers served {}{}", n,
                          r.per_worker.size(),
                          synced ? "" : " (subscriber sync timed out)"));
  return synced;
}

void await_first_recycle(contender& b, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (b.tally->max_requests.load() == 0
         && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
    sync_subscriber(b.h->system(), b.sub.actor());
  }
}

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
                             "{:.0f} requests (at most {:.0f}) in {:.1f} s "
                             "of uptime (B idles during A's rounds)",
                             median(b.tally->requests),
                             *std::max_element(b.tally->requests.begin(),
                                               b.tally->requests.end()),
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
         {"served_max",
          b.tally->requests.empty()
            ? json(nullptr)
            : json(*std::max_element(b.tally->requests.begin(),
                                     b.tally->requests.end()))},
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

} // namespace snakepit::bench
