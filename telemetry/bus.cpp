#include <snakepit/telemetry/bus.hpp>

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
  uint16_t topics;
};

/// The bits of every topic: each event type, then the snapshots.
constexpr unsigned topic_bits = event_type_count + 1;

/// The bit of the snapshots.
constexpr unsigned snapshot_bit = event_type_count;

/// A function consumer of one actor system's telemetry (see `add_sink`).
struct sink_entry {
  caf::actor_system* sys;
  uint64_t id;
  std::function<void(const event&)> on_event;
  std::function<void(const pool_snapshot&)> on_snapshot;

  uint16_t topics() const {
    return static_cast<uint16_t>((on_event ? topic::events.bits() : 0)
                                 | (on_snapshot ? topic::snapshots.bits()
                                                : 0));
  }
};

/// Every subscription of the process. Entries live from an actor's first
/// subscription until it exits, when its exit hook removes them; while an
/// entry exists its weak reference keeps the control block (the key) valid.
class hub {
public:
  /// Subscribers (actors and sinks) per topic bit.
  std::atomic<std::size_t> counts[topic_bits] = {};

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
    auto added = static_cast<uint16_t>(t.bits() & ~i->topics);
    i->topics |= added;
    count(added, +1);
    return fresh;
  }

  void remove(caf::actor_control_block* key, topic t) {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto i = find(key);
    if (i == entries_.end())
      return;
    auto removed = static_cast<uint16_t>(t.bits() & i->topics);
    i->topics &= static_cast<uint16_t>(~removed);
    count(removed, -1);
  }

  void remove_all(caf::actor_control_block* key) {
    caf::weak_actor_ptr released; // dropped after the lock
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto i = find(key);
    if (i == entries_.end())
      return;
    count(i->topics, -1);
    released = std::move(i->who);
    entries_.erase(i);
  }

  uint64_t add_sink(caf::actor_system* sys,
                    std::function<void(const event&)> on_event,
                    std::function<void(const pool_snapshot&)> on_snapshot) {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    sinks_.push_back(sink_entry{sys, ++next_sink_, std::move(on_event),
                                std::move(on_snapshot)});
    count(sinks_.back().topics(), +1);
    return next_sink_;
  }

  /// Waits for the sink's calls under way (they hold the shared lock).
  void remove_sink(uint64_t id) {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    for (auto i = sinks_.begin(); i != sinks_.end(); ++i) {
      if (i->id != id)
        continue;
      count(i->topics(), -1);
      sinks_.erase(i);
      return;
    }
  }

  /// Actors and sinks receiving anything of `t`.
  std::size_t receivers(topic t) {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    std::size_t n = 0;
    for (auto& x : entries_)
      n += (x.topics & t.bits()) != 0 ? 1 : 0;
    for (auto& x : sinks_)
      n += (x.topics() & t.bits()) != 0 ? 1 : 0;
    return n;
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

  /// Live subscribers of `sys` to topic bit `bit`. Strong references are
  /// taken under the lock and released by the caller after it: releasing
  /// the last one may destroy an actor, whose exit hook takes the lock.
  void targets(caf::actor_system* sys, unsigned bit,
               std::vector<caf::strong_actor_ptr>& out) {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    for (auto& x : entries_)
      if (x.sys == sys && (x.topics & (1u << bit)) != 0)
        if (auto ptr = caf::actor_cast<caf::strong_actor_ptr>(x.who))
          out.push_back(std::move(ptr));
  }

private:
  /// Adds `delta` to the count of each bit in `bits`.
  void count(uint16_t bits, int delta) {
    for (unsigned bit = 0; bit < topic_bits; ++bit)
      if ((bits & (1u << bit)) != 0)
        counts[bit].fetch_add(static_cast<std::size_t>(delta),
                              std::memory_order_relaxed);
  }

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

bool has_receivers(unsigned bit) {
  return the_hub().counts[bit].load(std::memory_order_relaxed) != 0;
}

/// Hands `x` (an event or a snapshot) on topic bit `bit` to the sinks, then
/// as a message to the subscribed actors of `sys`.
template <class T>
void deliver(caf::actor_system& sys, unsigned bit,
             caf::strong_actor_ptr sender, caf::execution_unit* host, T x) {
  if (!has_receivers(bit))
    return;
  auto& hub = the_hub();
  hub.run_sinks(&sys, x);
  std::vector<caf::strong_actor_ptr> targets;
  hub.targets(&sys, bit, targets);
  if (targets.empty())
    return;
  caf::message msg;
  if constexpr (std::is_same_v<T, event>)
    msg = std::visit([](auto& ev) { return caf::make_message(std::move(ev)); },
                     x);
  else
    msg = caf::make_message(std::move(x));
  for (auto& target : targets)
    target->enqueue(sender, caf::make_message_id(), msg, host);
}

caf::behavior callback_actor(caf::event_based_actor*,
                             std::function<void(const event&)> on_event,
                             std::function<void(const pool_snapshot&)>
                               on_snapshot) {
  return event_behavior(
    [on_event](const event& ev) {
      if (on_event)
        on_event(ev);
    },
    [on_snapshot](const pool_snapshot& snap) {
      if (on_snapshot)
        on_snapshot(snap);
    },
    [](sync_atom) { return sync_atom::value; });
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
  for (unsigned bit = 0; bit < topic_bits; ++bit)
    if ((t.bits() & (1u << bit)) != 0 && has_receivers(bit))
      return true;
  return false;
}

std::size_t subscriber_count(topic t) noexcept {
  return the_hub().receivers(t);
}

void publish(caf::local_actor* self, event ev) {
  auto bit = static_cast<unsigned>(ev.index());
  deliver(self->system(), bit, caf::strong_actor_ptr{self->ctrl()},
          self->context(), std::move(ev));
}

void publish(caf::actor_system& sys, event ev) {
  auto bit = static_cast<unsigned>(ev.index());
  deliver(sys, bit, nullptr, nullptr, std::move(ev));
}

void publish(caf::local_actor* self, pool_snapshot snap) {
  deliver(self->system(), snapshot_bit, caf::strong_actor_ptr{self->ctrl()},
          self->context(), std::move(snap));
}

void publish(caf::actor_system& sys, pool_snapshot snap) {
  deliver(sys, snapshot_bit, nullptr, nullptr, std::move(snap));
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

namespace {

template <class... Events>
void register_events(caf::actor_system_config& cfg, std::variant<Events...>*) {
  (cfg.add_message_type<Events>(Events::name), ...);
}

} // namespace

void register_types(caf::actor_system_config& cfg) {
  register_events(cfg, static_cast<event*>(nullptr));
}

} // namespace snakepit::telemetry
