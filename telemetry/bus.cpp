#include "telemetry/bus.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <type_traits>
#include <utility>
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

/// A function consumer of one actor system's telemetry (see `add_sink`).
struct sink_entry {
  caf::actor_system* sys;
  uint64_t id;
  std::function<void(const event&)> on_event;
  std::function<void(const pool_snapshot&)> on_snapshot;
};

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

  uint64_t add_sink(caf::actor_system* sys,
                    std::function<void(const event&)> on_event,
                    std::function<void(const pool_snapshot&)> on_snapshot) {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    if (on_event)
      counts[index_of(topic::events)].fetch_add(1, std::memory_order_relaxed);
    if (on_snapshot)
      counts[index_of(topic::snapshots)].fetch_add(1,
                                                   std::memory_order_relaxed);
    sinks_.push_back(sink_entry{sys, ++next_sink_, std::move(on_event),
                                std::move(on_snapshot)});
    return next_sink_;
  }

  /// Waits for the sink's calls under way (they hold the shared lock).
  void remove_sink(uint64_t id) {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    for (auto i = sinks_.begin(); i != sinks_.end(); ++i) {
      if (i->id != id)
        continue;
      if (i->on_event)
        counts[index_of(topic::events)].fetch_sub(1,
                                                  std::memory_order_relaxed);
      if (i->on_snapshot)
        counts[index_of(topic::snapshots)].fetch_sub(
          1, std::memory_order_relaxed);
      sinks_.erase(i);
      return;
    }
  }

  /// Calls the sinks of `sys` with `x`, an event or a snapshot.
  template <class T>
  void run_sinks(caf::actor_system* sys, const T& x) {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    for (auto& s : sinks_) {
      if (s.sys != sys)
        continue;
      if constexpr (std::is_same_v<T, event>) {
        if (s.on_event)
          s.on_event(x);
      } else if (s.on_snapshot) {
        s.on_snapshot(x);
      }
    }
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
  std::vector<sink_entry> sinks_;
  uint64_t next_sink_ = 0;
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

/// Hands `x` (an event or a snapshot) to the sinks, then as a message to
/// the subscribed actors of `sys`.
template <class T>
void deliver(caf::actor_system& sys, topic t, caf::strong_actor_ptr sender,
             caf::execution_unit* host, T x) {
  if (!has_subscribers(t))
    return;
  auto& hub = the_hub();
  hub.run_sinks(&sys, x);
  std::vector<caf::strong_actor_ptr> targets;
  hub.targets(&sys, t, targets);
  if (targets.empty())
    return;
  auto msg = caf::make_message(std::move(x));
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
  deliver(self->system(), topic::events, caf::strong_actor_ptr{self->ctrl()},
          self->context(), std::move(ev));
}

void publish(caf::actor_system& sys, event ev) {
  deliver(sys, topic::events, nullptr, nullptr, std::move(ev));
}

void publish(caf::local_actor* self, pool_snapshot snap) {
  deliver(self->system(), topic::snapshots,
          caf::strong_actor_ptr{self->ctrl()}, self->context(),
          std::move(snap));
}

void publish(caf::actor_system& sys, pool_snapshot snap) {
  deliver(sys, topic::snapshots, nullptr, nullptr, std::move(snap));
}

sink::sink(uint64_t id) : id_(id) {
}

sink::sink(sink&& other) noexcept : id_(std::exchange(other.id_, 0)) {
}

sink& sink::operator=(sink&& other) noexcept {
  if (this != &other) {
    cancel();
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

sink::~sink() {
  cancel();
}

void sink::cancel() {
  if (id_ != 0)
    the_hub().remove_sink(std::exchange(id_, 0));
}

sink add_sink(caf::actor_system& sys,
              std::function<void(const event&)> on_event,
              std::function<void(const pool_snapshot&)> on_snapshot) {
  return sink{the_hub().add_sink(&sys, std::move(on_event),
                                 std::move(on_snapshot))};
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
