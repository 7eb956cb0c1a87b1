#pragma once

/// The faults of the chaos suite: at random moments (seeded), SIGKILL a
/// random worker, SIGSTOP another, or crash one through the adapter (the
/// showcase `crash` tool). Stopped workers are left stopped: the pool's
/// health checks must find and replace them; the injector only watches
/// how long that takes.

#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "host_fixture.hpp"

namespace snakepit::it {

/// A kind of fault.
enum class fault { sigkill, sigstop, adapter_crash };

/// "SIGKILL", "SIGSTOP", "adapter crash".
std::string to_string(fault f);

/// What the injector did and saw.
struct fault_tally {
  /// Faults injected, by kind.
  std::map<fault, int> injected;
  /// Signals not sent: no running worker was left to pick.
  int skipped = 0;
  /// Replies to the adapter crash requests, by category (`none`: the crash
  /// request succeeded, which it never should).
  std::map<error_code, int64_t> crash_replies;
  /// For each stopped worker that went away: milliseconds from SIGSTOP
  /// until its process was gone (killed by the pool's health check).
  std::vector<double> stop_to_gone_ms;
};

/// Injects faults into the first pool of a host.
class chaos_injector {
public:
  using clock = std::chrono::steady_clock;

  /// Faults come every `min_gap` to `max_gap` (uniform), drawn from a
  /// generator seeded with `seed`.
  chaos_injector(host_fixture& host, uint64_t seed,
                 std::chrono::milliseconds min_gap,
                 std::chrono::milliseconds max_gap);
  ~chaos_injector();
  chaos_injector(const chaos_injector&) = delete;
  chaos_injector& operator=(const chaos_injector&) = delete;

  /// Injects faults until `until`, then returns.
  void run_until(clock::time_point until);

  /// Waits (watching the stopped workers) until `until`.
  void pause_until(clock::time_point until);

  /// True when no worker this injector stopped still runs.
  bool no_stopped_alive();

  /// Pids of stopped workers that still run.
  std::vector<int> stopped_alive();

  /// Waits for the replies of the crash requests (each is bounded by the
  /// pool's timeouts) and returns the tally.
  fault_tally finish();

private:
  void inject(fault f);
  void signal_a_worker(int sig, fault f);
  void watch_stopped();

  host_fixture& host_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int64_t> gap_ms_;
  fault_tally tally_;
  /// Stopped workers still running: pid -> when stopped.
  std::map<int, clock::time_point> stopped_;
  std::vector<std::future<execute_reply>> crashes_;
};

} // namespace snakepit::it
