#include "chaos_injector.hpp"

#include <algorithm>
#include <csignal>
#include <thread>

namespace snakepit::it {

namespace {

/// How often stopped workers are looked at between faults.
constexpr auto watch_interval = std::chrono::milliseconds{10};

/// True when `pid` runs with `--snakepit-run-id run_id` on its command line,
/// so a recycled pid of some other process is never signalled.
bool runs_in(int pid, const std::string& run_id) {
  auto args = proc_args(pid);
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--snakepit-run-id")
      return args[i + 1] == run_id;
  return false;
}

} // namespace

std::string to_string(fault f) {
  switch (f) {
    case fault::sigkill:
      return "SIGKILL";
    case fault::sigstop:
      return "SIGSTOP";
    case fault::adapter_crash:
      return "adapter crash";
  }
  return "?";
}

chaos_injector::chaos_injector(host_fixture& host, uint64_t seed,
                               std::chrono::milliseconds min_gap,
                               std::chrono::milliseconds max_gap)
  : host_(host), rng_(seed), gap_ms_(min_gap.count(), max_gap.count()) {
}

chaos_injector::~chaos_injector() {
  // Only for a test that failed before the pool replaced them: a stopped
  // process ignores the SIGTERM of the host's shutdown until continued.
  for (int pid : stopped_alive())
    ::kill(pid, SIGCONT);
}

void chaos_injector::run_until(clock::time_point until) {
  for (;;) {
    auto next = clock::now() + std::chrono::milliseconds{gap_ms_(rng_)};
    if (next >= until) {
      pause_until(until);
      return;
    }
    pause_until(next);
    inject(static_cast<fault>(std::uniform_int_distribution<int>{0, 2}(rng_)));
  }
}

void chaos_injector::pause_until(clock::time_point until) {
  for (;;) {
    watch_stopped();
    auto now = clock::now();
    if (now >= until)
      return;
    std::this_thread::sleep_for(
      std::min<clock::duration>(until - now, watch_interval));
  }
}

void chaos_injector::inject(fault f) {
  switch (f) {
    case fault::sigkill:
      signal_a_worker(SIGKILL, f);
      return;
    case fault::sigstop:
      signal_a_worker(SIGSTOP, f);
      return;
    case fault::adapter_crash: {
      ++tally_.injected[f];
      auto* host = &host_;
      crashes_.push_back(std::async(std::launch::async, [host] {
        return host->exec("crash", R"({"code":7})");
      }));
      return;
    }
  }
}

void chaos_injector::signal_a_worker(int sig, fault f) {
  watch_stopped();
  std::vector<int> candidates;
  for (const auto& w : host_.status().workers) {
    int pid = w.info.pid;
    if (pid > 0 && stopped_.count(pid) == 0 && process_alive(pid)
        && runs_in(pid, host_.run_id()))
      candidates.push_back(pid);
  }
  if (candidates.empty()) {
    ++tally_.skipped;
    return;
  }
  std::uniform_int_distribution<size_t> pick{0, candidates.size() - 1};
  int pid = candidates[pick(rng_)];
  if (::kill(pid, sig) != 0) {
    ++tally_.skipped;
    return;
  }
  ++tally_.injected[f];
  if (sig == SIGSTOP)
    stopped_.emplace(pid, clock::now());
}

void chaos_injector::watch_stopped() {
  auto now = clock::now();
  for (auto i = stopped_.begin(); i != stopped_.end();) {
    if (process_gone(i->first)) {
      tally_.stop_to_gone_ms.push_back(
        std::chrono::duration<double, std::milli>(now - i->second).count());
      i = stopped_.erase(i);
    } else {
      ++i;
    }
  }
}

bool chaos_injector::no_stopped_alive() {
  watch_stopped();
  return stopped_.empty();
}

std::vector<int> chaos_injector::stopped_alive() {
  watch_stopped();
  std::vector<int> out;
  for (const auto& [pid, at] : stopped_)
    out.push_back(pid);
  return out;
}

fault_tally chaos_injector::finish() {
  for (auto& reply : crashes_)
    ++tally_.crash_replies[reply.get().code()];
  crashes_.clear();
  watch_stopped();
  return tally_;
}

} // namespace snakepit::it
