#include "bench/start_watch.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <string_view>

#include "process/proc_cpu.hpp"

namespace snakepit::bench {

namespace {

using sys_clock = std::chrono::system_clock;

// What process/process_host_forks.cpp logs, at info level.
constexpr std::string_view started_text = "started the fork server";
constexpr std::string_view ready_text = "the fork server is ready";

} // namespace

class fork_server_log::sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  std::vector<double> take() {
    std::lock_guard<std::mutex> guard{mutex_};
    return std::exchange(ready_ms_, {});
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view text{msg.payload.data(), msg.payload.size()};
    if (text.find(started_text) != std::string_view::npos) {
      started_.push_back(msg.time);
    } else if (text.find(ready_text) != std::string_view::npos
               && !started_.empty()) {
      ready_ms_.push_back(std::chrono::duration<double, std::milli>(
                            msg.time - started_.front())
                            .count());
      started_.pop_front();
    }
  }

  void flush_() override {
  }

private:
  std::deque<sys_clock::time_point> started_;
  std::vector<double> ready_ms_;
};

fork_server_log::fork_server_log(const std::string& echo_level)
  : sink_(std::make_shared<sink>()), previous_(spdlog::default_logger()) {
  auto echo = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto level = spdlog::level::from_str(echo_level);
  echo->set_level(level);
  sink_->set_level(spdlog::level::info);
  auto logger = std::make_shared<spdlog::logger>(
    "bench-fork", spdlog::sinks_init_list{sink_, echo});
  logger->set_level(std::min(level, spdlog::level::info));
  spdlog::set_default_logger(logger);
}

fork_server_log::~fork_server_log() {
  spdlog::set_default_logger(previous_);
}

std::vector<double> fork_server_log::take_ready_ms() {
  return sink_->take();
}

start_events::start_events(caf::actor_system& sys) {
  sink_ = telemetry::add_sink(
    sys, [st = state_](const telemetry::event& ev) {
      const auto* started = std::get_if<telemetry::worker_started>(&ev);
      if (started == nullptr)
        return;
      auto counters = process::read_stat_counters(started->pid);
      std::lock_guard<std::mutex> guard{st->mtx};
      st->seen.push_back(
        {std::chrono::duration<double, std::milli>(started->startup).count(),
         std::chrono::time_point_cast<sys_clock::duration>(started->time),
         counters ? static_cast<double>(counters->minor_faults) : -1.0});
      st->cv.notify_all();
    });
}

std::vector<started_worker> start_events::take(std::size_t n,
                                               std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock{state_->mtx};
  state_->cv.wait_for(lock, limit,
                      [&] { return state_->seen.size() >= n; });
  return std::exchange(state_->seen, {});
}

double span_ms(const std::vector<started_worker>& batch) {
  if (batch.empty())
    return 0;
  auto first = batch.front().ready_at;
  auto last = first;
  for (const auto& w : batch) {
    first = std::min(first,
                     w.ready_at
                       - std::chrono::duration_cast<sys_clock::duration>(
                         std::chrono::duration<double, std::milli>(
                           w.startup_ms)));
    last = std::max(last, w.ready_at);
  }
  return std::chrono::duration<double, std::milli>(last - first).count();
}

} // namespace snakepit::bench
