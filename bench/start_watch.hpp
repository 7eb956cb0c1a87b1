#pragma once

/// What the fork server sections of snakepit_workers_bench watch while
/// workers start: the host log's lines about fork servers (when one was
/// started, when it was ready) and the `worker_started` events.

#include <caf/fwd.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <snakepit/telemetry/bus.hpp>

namespace spdlog {
class logger;
} // namespace spdlog

namespace snakepit::bench {

/// While alive, spdlog's default logger: it notes when the host log says
/// a fork server was started and when it became ready, and passes lines at
/// `echo_level` and above on to stderr. Create it before `host::start`:
/// a host takes the default logger when it starts.
class fork_server_log {
public:
  explicit fork_server_log(const std::string& echo_level);
  ~fork_server_log();
  fork_server_log(const fork_server_log&) = delete;
  fork_server_log& operator=(const fork_server_log&) = delete;

  /// Milliseconds from "started the fork server" to "the fork server is
  /// ready" of each fork server that got ready since the last call.
  std::vector<double> take_ready_ms();

  /// The sink behind the logger (defined in start_watch.cpp).
  class sink;

private:
  std::shared_ptr<sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

/// One worker that reported ready.
struct started_worker {
  /// From its launch to ready, as `worker_started` says.
  double startup_ms = 0;
  /// When it became ready (the event's time).
  std::chrono::system_clock::time_point ready_at;
  /// Its page faults (minflt) when its event arrived, which is soon after
  /// ready, while it is idle; negative when they could not be read.
  double minor_faults = -1;
};

/// Collects the `worker_started` events of one actor system (a telemetry
/// sink) from its construction on, with each worker's page faults.
class start_events {
public:
  explicit start_events(caf::actor_system& sys);

  /// Waits up to `limit` until `n` workers started since the last call,
  /// then returns them (fewer on timeout) and starts counting afresh.
  std::vector<started_worker> take(std::size_t n,
                                   std::chrono::milliseconds limit);

private:
  /// What the sink's function fills; shared with it.
  struct state {
    std::mutex mtx;
    std::condition_variable cv;
    std::vector<started_worker> seen;
  };
  std::shared_ptr<state> state_ = std::make_shared<state>();
  telemetry::sink sink_;
};

/// Milliseconds from the first launch to the last ready among `batch`.
double span_ms(const std::vector<started_worker>& batch);

} // namespace snakepit::bench
