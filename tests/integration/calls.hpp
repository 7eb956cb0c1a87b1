#pragma once

/// Helpers of the tests that run calls side by side and prove from the
/// timestamps Python recorded (wall clock, `time.time()`) which ones ran at
/// the same time, where, and in what order.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "host_fixture.hpp"

namespace snakepit::it {

/// True when `needle` occurs in `haystack`.
inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// The parsed result of a reply that must have succeeded.
inline nlohmann::json result_of(const execute_reply& reply) {
  INFO("reply error: " << describe(reply));
  REQUIRE(reply.ok());
  REQUIRE_FALSE(reply->result_json.empty());
  return nlohmann::json::parse(reply->result_json);
}

/// A request for `pool` (empty: the host's first pool).
inline execute_request make_request(std::string pool, std::string command,
                                    std::string args_json = "{}",
                                    std::chrono::milliseconds timeout = {}) {
  execute_request req;
  req.pool = std::move(pool);
  req.command = std::move(command);
  req.args_json = std::move(args_json);
  req.timeout = timeout;
  return req;
}

/// Runs `req` on a thread of its own.
inline std::future<execute_reply> exec_async(host_fixture& host,
                                             execute_request req) {
  return std::async(std::launch::async, [&host, req = std::move(req)] {
    return host.client().execute(req);
  });
}

/// `{"ms": ms}`.
inline std::string sleep_args(int ms) {
  return "{\"ms\":" + std::to_string(ms) + "}";
}

/// One finished `sleep` call: where it ran and when, by Python's clock.
struct span {
  std::string worker;
  /// The serving thread's name (ThreadedShowcaseAdapter only).
  std::string thread;
  double started = 0;
  double ended = 0;
};

/// The span of a successful `sleep` reply.
inline span span_of(const execute_reply& reply) {
  auto r = result_of(reply);
  span s;
  s.worker = reply->worker;
  s.started = r.at("started").get<double>();
  s.ended = r.at("ended").get<double>();
  if (r.contains("thread"))
    s.thread = r["thread"].get<std::string>();
  return s;
}

/// True when the two intervals share a moment.
inline bool overlap(const span& a, const span& b) {
  return a.started < b.ended && b.started < a.ended;
}

/// The most spans running at one moment.
inline int max_overlap(const std::vector<span>& spans) {
  // Ends sort before starts at the same instant: touching is not overlap.
  std::vector<std::pair<double, int>> events;
  for (const auto& s : spans) {
    events.emplace_back(s.started, +1);
    events.emplace_back(s.ended, -1);
  }
  std::sort(events.begin(), events.end());
  int now = 0;
  int most = 0;
  for (auto& [at, delta] : events) {
    now += delta;
    most = std::max(most, now);
  }
  return most;
}

/// Spans grouped by the worker that ran them.
inline std::map<std::string, std::vector<span>>
by_worker(const std::vector<span>& spans) {
  std::map<std::string, std::vector<span>> out;
  for (const auto& s : spans)
    out[s.worker].push_back(s);
  return out;
}

/// Human-readable list of spans, for failure messages.
inline std::string describe_spans(const std::vector<span>& spans) {
  std::string out;
  char buf[160];
  for (const auto& s : spans) {
    std::snprintf(buf, sizeof(buf), "%s %s [%.6f, %.6f]\n", s.worker.c_str(),
                  s.thread.c_str(), s.started, s.ended);
    out += buf;
  }
  return out;
}

/// A pool of `size` workers copied from `base` (timeouts, restarts) with
/// another name, profile and adapter.
inline pool_config derive_pool(const pool_config& base, std::string name,
                               worker_profile profile, int size,
                               int threads_per_worker = 1,
                               std::string adapter = {}) {
  auto p = base;
  p.name = std::move(name);
  p.profile = profile;
  p.size = size;
  p.threads_per_worker = threads_per_worker;
  if (!adapter.empty())
    p.adapter = std::move(adapter);
  return p;
}

/// Samples a pool's status on a thread of its own until stopped, and
/// records every snapshot in which a worker had more busy slots than it has
/// slots, or the pool more busy slots than it has in total.
class status_sampler {
public:
  status_sampler(host_fixture& host, std::string pool)
    : host_(host), pool_(std::move(pool)), thread_([this] { run(); }) {
  }
  ~status_sampler() {
    stop();
  }

  void stop() {
    done_ = true;
    if (thread_.joinable())
      thread_.join();
  }

  /// Snapshots taken, most busy slots seen, and the violations.
  int samples() const {
    return samples_;
  }
  int most_busy() const {
    return most_busy_;
  }
  std::vector<std::string> violations() {
    std::lock_guard<std::mutex> guard{mtx_};
    return violations_;
  }

private:
  void run() {
    while (!done_) {
      auto st = host_.client().status(pool_);
      if (st) {
        ++samples_;
        most_busy_ = std::max(most_busy_.load(), st->busy_slots);
        std::lock_guard<std::mutex> guard{mtx_};
        if (st->busy_slots > st->total_slots)
          violations_.push_back("busy_slots " + std::to_string(st->busy_slots)
                                + " > total_slots "
                                + std::to_string(st->total_slots));
        for (const auto& w : st->workers)
          if (w.busy > w.info.slots)
            violations_.push_back(w.id + " busy " + std::to_string(w.busy)
                                  + " > slots " + std::to_string(w.info.slots));
      }
      std::this_thread::sleep_for(2ms);
    }
  }

  host_fixture& host_;
  std::string pool_;
  std::atomic<bool> done_{false};
  std::atomic<int> samples_{0};
  std::atomic<int> most_busy_{0};
  std::mutex mtx_;
  std::vector<std::string> violations_;
  std::thread thread_;
};

inline constexpr const char* threaded_showcase
  = "snakepit_bridge.adapters.threaded_showcase.ThreadedShowcaseAdapter";

} // namespace snakepit::it
