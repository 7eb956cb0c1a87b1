#pragma once

/// Records the telemetry events of a host for a test: a callback
/// subscription appends them under a mutex; the test reads copies.

#include <catch2/catch.hpp>

#include <memory>
#include <mutex>
#include <variant>
#include <vector>

#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

namespace snakepit::it {

/// Events received so far, safe to read from the test thread.
class event_log {
public:
  /// Subscribes to the events of `sys` until destroyed.
  explicit event_log(caf::actor_system& sys)
    : events_(std::make_shared<shared>()) {
    sub_ = telemetry::subscribe(sys, [events = events_](
                                       const telemetry::event& ev) {
      std::lock_guard<std::mutex> guard{events->mtx};
      events->list.push_back(ev);
    });
  }

  /// Every event received, in order.
  std::vector<telemetry::event> all() const {
    std::lock_guard<std::mutex> guard{events_->mtx};
    return events_->list;
  }

  /// The events of type `Event`, in order.
  template <class Event>
  std::vector<Event> of() const {
    std::vector<Event> out;
    for (auto& ev : all())
      if (auto* x = std::get_if<Event>(&ev))
        out.push_back(std::move(*x));
    return out;
  }

  /// Ends the subscription (before the host stops).
  void cancel() {
    sub_.cancel();
  }

private:
  struct shared {
    mutable std::mutex mtx;
    std::vector<telemetry::event> list;
  };
  std::shared_ptr<shared> events_;
  telemetry::subscription sub_;
};

} // namespace snakepit::it
