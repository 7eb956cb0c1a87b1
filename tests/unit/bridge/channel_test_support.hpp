#pragma once

/// What the channel tests share: completions seen from the test thread
/// with bounded waits, a stream's chunks, a probe of `on_broken`, tool
/// calls.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bridge/native_channel.hpp"
#include "frame_server.hpp"

namespace snakepit::test {

/// One completion, seen from the test: set exactly once (a second
/// completion throws on the I/O thread, which aborts the test run).
template <class T>
struct completion {
  std::shared_ptr<std::promise<T>> promise
    = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();

  /// The callback to hand to the channel.
  std::function<void(T)> callback() {
    return [p = promise](T value) { p->set_value(std::move(value)); };
  }

  /// The value, waited for at most 30 s.
  T get() {
    REQUIRE(future.wait_for(std::chrono::seconds{30})
            == std::future_status::ready);
    return future.get();
  }
};

/// The chunks a stream delivered, seen from the test thread.
struct chunk_log {
  struct shared {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::pair<std::string, bool>> chunks;
  };
  std::shared_ptr<shared> state = std::make_shared<shared>();

  /// The callback to hand to the channel.
  bridge::chunk_callback callback() {
    return [s = state](std::string data, bool binary) {
      std::lock_guard<std::mutex> lock{s->mutex};
      s->chunks.emplace_back(std::move(data), binary);
      s->changed.notify_all();
    };
  }

  /// The chunks once there are `n` (waits at most 30 s).
  std::vector<std::pair<std::string, bool>> await(std::size_t n) {
    std::unique_lock<std::mutex> lock{state->mutex};
    REQUIRE(state->changed.wait_for(lock, std::chrono::seconds{30}, [&] {
      return state->chunks.size() >= n;
    }));
    return state->chunks;
  }

  /// How many chunks came so far.
  std::size_t size() {
    std::lock_guard<std::mutex> lock{state->mutex};
    return state->chunks.size();
  }
};

/// Counts `on_broken` calls and keeps the first reason.
struct broken_probe {
  std::shared_ptr<std::atomic<int>> calls
    = std::make_shared<std::atomic<int>>(0);
  completion<std::string> first;

  /// The callback to hand to the channel.
  bridge::broken_callback callback() {
    return [calls = calls, p = first.promise](std::string why) {
      if (++*calls == 1)
        p->set_value(std::move(why));
    };
  }
};

/// The bound on messages in these tests.
inline constexpr std::size_t test_max_bytes = 64 << 20;

/// A worker's end and a channel to it with `test_max_bytes`, watched by
/// `broken`.
struct channel_fixture {
  frame_server server;
  broken_probe broken;
  std::shared_ptr<bridge::channel> ch
    = bridge::make_native_channel(bridge::make_native_io(), server.path(),
                                  test_max_bytes, broken.callback());
};

/// An encoded call of `tool` with an argument of `arg_bytes` bytes (none
/// when 0).
inline std::shared_ptr<const std::string> call_of(const std::string& tool,
                                                  std::size_t arg_bytes = 0) {
  bridge::ExecuteToolRequest request;
  request.set_tool_name(tool);
  if (arg_bytes > 0)
    (*request.mutable_parameters())["data"].set_value(
      std::string(arg_bytes, 'a'));
  return std::make_shared<const std::string>(request.SerializeAsString());
}

/// Executes `n` calls of tool "t" with ids 1 to `n`; their completions.
inline std::vector<completion<bridge::tool_result>>
execute_calls(bridge::channel& ch, uint64_t n) {
  std::vector<completion<bridge::tool_result>> calls(n);
  for (uint64_t id = 1; id <= n; ++id)
    ch.execute(id, call_of("t"), std::chrono::seconds{30},
               calls[id - 1].callback());
  return calls;
}

/// The next envelope the server gets; fails the test when none comes.
inline bridge::Envelope receive(frame_server& server) {
  auto envelope = server.receive();
  REQUIRE(envelope);
  return *envelope;
}

} // namespace snakepit::test
