#include "telemetry/bus.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace snakepit::telemetry {

namespace {

/// One subscribed actor and the topics it receives.
struct entry {
  caf::actor_system* sys;
  caf::actor_control_block* key;
  caf::weak_actor_ptr who;
  uint8_t topics;
};

std::size_t index_of(topic t) {
  return t == topic::events ? 0 : 1;
}

uint8_t bit_of(topic t) {
  return static_cast<uint8_t>(t);
}

/// Every subscription of the process. Entries live from an actor's first
/// subscription until it exits, when its exit hook removes them; while an
/// entry exists its weak reference keeps the control block (the key) valid.
class hub {
public:
  std::atomic<std::size_t> counts[2] = {};

  /// Returns true when `who` had no entry yet (the caller attaches a hook).
  bool add(caf::abstract_actor* who, topic t) {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto key = who->ctrl();
    auto i = find(key);
    bool fresh = i == entries_.end();
    if (fresh) {
      entries_.push_back(entry{&who->home_system(), key,
                               caf::weak_actor_ptr{key}, 0});
      i = entries_.end() - 1;
    }
    if ((i->topics & bit_of(t)) == 0) {
      i->topics |= bit_of(t);
      counts[index_of(t)].fetch_add(1, std::memory_order_relaxed);
    }
    return fresh;
  }

  void remove(caf::actor_control_block* key, topic t) {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto i = find(key);
    if (i != entries_.end() && (i->topics & bit_of(t)) != 0) {
      i->topics &= static_cast<uint8_t>(~bit_of(t));
      counts[index_of(t)].fetch_sub(1, std::memory_order_relaxed);
    }
  }

  void remove_all(caf::actor_control_block* key) {
    caf::weak_actor_ptr released; // dropped after the lock
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto i = find(key);
    if (i == entries_.end())
      return;
    for (auto t : {topic::events, topic::snapshots})
      if ((i->topics & bit_of(t)) != 0)
        counts[index_of(t)].fetch_sub(1, std::memory_order_relaxed);
    released = std::move(i->who);
    entries_.erase(i);
  }

  /// Live subscribers of `sys` to `t`. Strong references are taken under the
  /// lock and released by the caller after it: releasing the last one may
  /// destroy an actor, whose exit hook takes the lock.
  void targets(caf::actor_system* sys, topic t,
               std::vector<caf::strong_actor_ptr>& out) {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    for (auto& x : entries_)
      if (x.sys == sys && (x.topics & bit_of(t)) != 0)
        if (auto ptr = caf::actor_cast<caf::strong_actor_ptr>(x.who))
          out.push_back(std::move(ptr));
  }

private:
  std::vector<entry>::iterator find(caf::actor_control_block* key) {
    for (auto i = entries_.begin(); i != entries_.end(); ++i)
      if (i->key == key)
        return i;
    return entries_.end();
  }

  std::shared_mutex mtx_;
  std::vector<entry> entries_;
};

/// Never destroyed: actors may exit during static destruction.
hub& the_hub() {
  static hub* instance = new hub;
  return *instance;
}

/// Removes an actor's subscriptions when it exits.
class exit_hook : public caf::attachable {
public:
  explicit exit_hook(caf::actor_control_block* key) : key_(key) {
  }

  void actor_exited(const caf::error&, caf::execution_unit*) override {
    the_hub().remove_all(key_);
  }

private:
  caf::actor_control_block* key_;
};

void add(caf::abstract_actor* who, topic t) {
  if (who == nullptr)
    return;
  // If `who` already exited, attach() runs the hook at once.
  if (the_hub().add(who, t))
    who->attach(std::make_unique<exit_hook>(who->ctrl()));
}

void deliver(caf::actor_system& sys, topic t, caf::strong_actor_ptr sender,
             caf::execution_unit* host, caf::message msg) {
  std::vector<caf::strong_actor_ptr> targets;
  the_hub().targets(&sys, t, targets);
  for (auto& target : targets)
    target->enqueue(sender, caf::make_message_id(), msg, host);
}

caf::behavior callback_actor(caf::event_based_actor*,
                             std::function<void(const event&)> on_event,
                             std::function<void(const pool_snapshot&)>
                               on_snapshot) {
  return {
    [on_event](const event& ev) {
      if (on_event)
        on_event(ev);
    },
    [on_snapshot](const pool_snapshot& snap) {
      if (on_snapshot)
        on_snapshot(snap);
    },
    [](sync_atom) { return sync_atom::value; },
  };
}

} // namespace

void subscribe(caf::local_actor* self, topic t) {
  add(self, t);
}

void subscribe(const caf::actor& who, topic t) {
  add(caf::actor_cast<caf::abstract_actor*>(who), t);
}

void unsubscribe(caf::local_actor* self, topic t) {
  if (self != nullptr)
    the_hub().remove(self->ctrl(), t);
}

void unsubscribe(const caf::actor& who, topic t) {
  if (auto ptr = caf::actor_cast<caf::abstract_actor*>(who))
    the_hub().remove(ptr->ctrl(), t);
}

bool has_subscribers(topic t) noexcept {
  return the_hub().counts[index_of(t)].load(std::memory_order_relaxed) != 0;
}

std::size_t subscriber_count(topic t) noexcept {
  return the_hub().counts[index_of(t)].load(std::memory_order_relaxed);
}

void publish(caf::local_actor* self, event ev) {
  if (has_subscribers(topic::events))
    deliver(self->system(), topic::events, caf::strong_actor_ptr{self->ctrl()},
            self->context(), caf::make_message(std::move(ev)));
}

void publish(caf::actor_system& sys, event ev) {
  if (has_subscribers(topic::events))
    deliver(sys, topic::events, nullptr, nullptr,
            caf::make_message(std::move(ev)));
}

void publish(caf::local_actor* self, pool_snapshot snap) {
  if (has_subscribers(topic::snapshots))
    deliver(self->system(), topic::snapshots,
            caf::strong_actor_ptr{self->ctrl()}, self->context(),
            caf::make_message(std::move(snap)));
}

void publish(caf::actor_system& sys, pool_snapshot snap) {
  if (has_subscribers(topic::snapshots))
    deliver(sys, topic::snapshots, nullptr, nullptr,
            caf::make_message(std::move(snap)));
}

subscription::subscription(caf::actor worker) : worker_(std::move(worker)) {
}

subscription& subscription::operator=(subscription&& other) noexcept {
  if (this != &other) {
    cancel();
    worker_ = std::move(other.worker_);
  }
  return *this;
}

subscription::~subscription() {
  cancel();
}

void subscription::cancel() {
  if (!worker_)
    return;
  unsubscribe(worker_, topic::events);
  unsubscribe(worker_, topic::snapshots);
  caf::anon_send_exit(worker_, caf::exit_reason::user_shutdown);
  worker_ = nullptr;
}

subscription subscribe(caf::actor_system& sys,
                       std::function<void(const event&)> on_event,
                       std::function<void(const pool_snapshot&)> on_snapshot) {
  bool events = static_cast<bool>(on_event);
  bool snapshots = static_cast<bool>(on_snapshot);
  auto worker = sys.spawn(callback_actor, std::move(on_event),
                          std::move(on_snapshot));
  if (events)
    subscribe(worker, topic::events);
  if (snapshots)
    subscribe(worker, topic::snapshots);
  return subscription{std::move(worker)};
}

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<event>("snakepit::telemetry::event");
  cfg.add_message_type<worker_gauges>("snakepit::telemetry::worker_gauges");
  cfg.add_message_type<std::vector<worker_gauges>>(
    "std::vector<snakepit::telemetry::worker_gauges>");
  cfg.add_message_type<pool_snapshot>("snakepit::telemetry::pool_snapshot");
}

} // namespace snakepit::telemetry
