#pragma once

/// Steady load for integration tests: callers sending `echo` to the host's
/// default pool in a loop until stopped, each checking its reply. They only
/// count (Catch2 assertions are not thread-safe); each unexpected reply is
/// printed to stderr.

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "calls.hpp"
#include "event_log.hpp"

namespace snakepit::it {

/// See the file comment.
class echo_load {
public:
  /// How the load is made.
  struct shape {
    /// Concurrent callers.
    int callers = 4;
    /// Pause of each caller between its calls.
    std::chrono::milliseconds pause{2};
    /// Every other caller (0, 2, ...) marks its calls idempotent.
    bool idempotent_halves = false;
  };

  /// Starts the callers on `host`.
  echo_load(host_fixture& host, shape s) : shape_(s) {
    for (int c = 0; c < s.callers; ++c)
      threads_.emplace_back([this, &host, c] { run(host, c); });
  }

  /// Stops the callers.
  ~echo_load() {
    stop();
  }

  echo_load(const echo_load&) = delete;
  echo_load& operator=(const echo_load&) = delete;

  /// Stops the callers once their call in flight is answered.
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
  }

  /// Calls sent.
  std::atomic<int> sent{0};
  /// Calls answered with their arguments back.
  std::atomic<int> served{0};
  /// Calls not marked idempotent that got worker_crashed.
  std::atomic<int> crashed{0};
  /// Anything else: wrong results, other errors, idempotent crashes.
  std::atomic<int> wrong{0};

private:
  void run(host_fixture& host, int caller) {
    bool idempotent = shape_.idempotent_halves && caller % 2 == 0;
    for (int i = 0; !stop_; ++i) {
      auto args = nlohmann::json{{"caller", caller}, {"i", i}};
      auto req = make_request("", "echo", args.dump());
      req.idempotent = idempotent;
      ++sent;
      auto reply = host.client().execute(req);
      if (reply.ok() && nlohmann::json::parse(reply->result_json) == args) {
        ++served;
      } else if (!idempotent && reply.code() == error_code::worker_crashed) {
        ++crashed;
      } else {
        ++wrong;
        std::fprintf(stderr, "caller %d: %s\n", caller,
                     describe(reply).c_str());
      }
      std::this_thread::sleep_for(shape_.pause);
    }
  }

  shape shape_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

/// True once `events` holds one `request.executed` per call `load` sent:
/// every call was answered exactly once (waits up to 5 s for the last).
inline bool each_answered_once(const event_log& events,
                               const echo_load& load) {
  return eventually([&] {
    return events.of<telemetry::request_executed>().size()
           == static_cast<std::size_t>(load.sent.load());
  });
}

} // namespace snakepit::it
