#pragma once

/// The telemetry bus: events are CAF messages delivered to every subscribed
/// actor of the publisher's actor system, each event type a message type of
/// its own (<snakepit/telemetry/event_types.hpp>).
///
/// Emit from an actor:
///
///   if (telemetry::has_subscribers(telemetry::topic::of<request_executed>()))
///     telemetry::publish(self, telemetry::make_request_executed(...));
///
/// Subscribe an actor to the event types it handles, or to all of them:
///
///   telemetry::subscribe(self, topic::of<worker_started, pool_failed>());
///   telemetry::subscribe(self);      // every event type
///   telemetry::subscribe(handle);    // from outside, takes effect at once
///
/// and match them with ordinary handlers:
/// `[](const telemetry::worker_started& ev) {...}`. An actor subscribed to
/// every event type handles each (see `event_behavior`) or sets a default
/// handler that drops what it does not match.
///
/// Subscriptions hold weak references: a subscriber that quits or becomes
/// unreachable is dropped, and a subscription does not keep an actor alive.
/// Why not a CAF local group: in CAF 0.17 every message sent to a local
/// group is also enqueued to the group's hidden broker actor (an extra actor
/// wake-up per event), and a group cannot tell whether anyone listens, so
/// publishing with no subscriber could not be made free. Here it is one
/// atomic load per event type.

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>
#include <variant>

#include <snakepit/interfaces.hpp>
#include <snakepit/snapshots.hpp>
#include <snakepit/telemetry/events.hpp>

namespace snakepit::telemetry {

/// Answers once every message published before it reached the subscriber
/// has been handled: `(sync_atom) -> (sync_atom)`. Every subscriber actor of
/// this library (log, callbacks, metrics) handles it.
using sync_atom = caf::atom_constant<caf::atom("tl_sync")>;

namespace detail {

/// The position of `T` among `Ts`.
template <class T, class... Ts>
constexpr unsigned index_in() {
  unsigned i = 0;
  bool found = false;
  ((found = found || std::is_same_v<T, Ts>, i += found ? 0 : 1), ...);
  return i;
}

/// The bit of event type `T`: its index in `event`.
template <class T, class... Ts>
constexpr unsigned event_bit(std::variant<Ts...>*) {
  static_assert((std::is_same_v<T, Ts> || ...), "not a telemetry event");
  return index_in<T, Ts...>();
}

} // namespace detail

/// What a subscriber receives: a set of event types, the pool snapshots,
/// or both (`|`).
class topic {
public:
  /// One bit per event type (its index in `event`), then the snapshots.
  constexpr explicit topic(uint16_t bits) : bits_(bits) {
  }

  /// The event types `Events`.
  template <class... Events>
  static constexpr topic of() {
    return topic{static_cast<uint16_t>(
      ((1u << detail::event_bit<Events>(static_cast<event*>(nullptr)))
       | ...))};
  }

  /// Every event type.
  static const topic events;

  /// `pool_snapshot` messages (<snakepit/snapshots.hpp>), published by
  /// each pool's lifecycle actor once per lifecycle interval for the
  /// gauges.
  static const topic snapshots;

  /// The bits of this set.
  constexpr uint16_t bits() const {
    return bits_;
  }

  /// The union of two sets.
  friend constexpr topic operator|(topic a, topic b) {
    return topic{static_cast<uint16_t>(a.bits_ | b.bits_)};
  }

  /// Same set.
  friend constexpr bool operator==(topic a, topic b) {
    return a.bits_ == b.bits_;
  }

private:
  uint16_t bits_;
};

/// The number of event types.
inline constexpr unsigned event_type_count = std::variant_size_v<event>;

inline constexpr topic topic::events{
  static_cast<uint16_t>((1u << event_type_count) - 1)};

inline constexpr topic topic::snapshots{
  static_cast<uint16_t>(1u << event_type_count)};

/// Subscribes `self` to `t`; no effect if it already is.
void subscribe(caf::local_actor* self, topic t = topic::events);

/// Subscribes the actor `who` to `t`, effective before this returns.
void subscribe(const caf::actor& who, topic t = topic::events);

/// Subscribes `who` to `t` on the host that serves `remote_pool` (a remote
/// pool of this host, from `lookup`; docs/distribution.md): that host's
/// events and snapshots arrive as its own subscribers get them, typed, over
/// the connection between the hosts (their pool names are that host's).
/// Renewed each time the remote pool connects again; ends when `who`
/// quits. A handle of a pool that is not remote ignores it.
void subscribe_remote(const pool_actor& remote_pool, const caf::actor& who,
                      topic t = topic::events);

/// Ends the subscription of `self` to `t`; later publishes skip it.
void unsubscribe(caf::local_actor* self, topic t = topic::events);

/// Ends the subscription of `who` to `t`.
void unsubscribe(const caf::actor& who, topic t = topic::events);

/// True when any actor or sink of this process receives anything of `t`.
/// One relaxed atomic load per event type: check it before building an
/// event on a hot path.
bool has_subscribers(topic t = topic::events) noexcept;

/// Actors and sinks of this process (over all actor systems) that receive
/// anything of `t`.
std::size_t subscriber_count(topic t = topic::events) noexcept;

/// Publishes `ev` to the subscribers of its type in `self`'s actor system;
/// `self` becomes the sender. Never blocks; nearly free with no subscriber.
void publish(caf::local_actor* self, event ev);

/// Publishes `ev` from outside any actor (anonymous sender).
void publish(caf::actor_system& sys, event ev);

/// Publishes a pool snapshot on `topic::snapshots`.
void publish(caf::local_actor* self, pool_snapshot snap);

/// Publishes a pool snapshot from outside any actor.
void publish(caf::actor_system& sys, pool_snapshot snap);

namespace detail {

template <class F, class... Events, class... Extra>
caf::behavior event_behavior(const F& f, std::variant<Events...>*,
                             Extra&&... extra) {
  return caf::behavior{[f](const Events& ev) { f(ev); }...,
                       std::forward<Extra>(extra)...};
}

} // namespace detail

/// A behavior with a handler for every event type, each calling `f` with
/// the event (typed: `f` may be overloaded or generic, or take
/// `const event&`), plus the handlers `extra`.
template <class F, class... Extra>
caf::behavior event_behavior(F f, Extra&&... extra) {
  return detail::event_behavior(f, static_cast<event*>(nullptr),
                                std::forward<Extra>(extra)...);
}

/// A callback subscription for code outside actors. Owns a small actor that
/// runs the callbacks on a CAF scheduler thread, one message at a time:
/// callbacks must be short and must not block. Move-only; the destructor
/// (or `cancel`) ends the subscription. Callbacks may still run briefly
/// after that, so they must own (e.g. by shared_ptr) what they touch. Cancel
/// it before the actor system is destroyed.
class subscription {
public:
  subscription() = default;

  /// Takes over the actor running the callbacks.
  explicit subscription(caf::actor worker);

  subscription(subscription&&) noexcept = default;

  subscription& operator=(subscription&& other) noexcept;

  subscription(const subscription&) = delete;

  subscription& operator=(const subscription&) = delete;

  ~subscription();

  /// Ends the subscription and stops its actor.
  void cancel();

  /// The actor running the callbacks (send it `sync_atom` to wait until
  /// everything published so far was handled); invalid after `cancel`.
  const caf::actor& actor() const {
    return worker_;
  }

  /// True until cancelled.
  explicit operator bool() const {
    return static_cast<bool>(worker_);
  }

private:
  caf::actor worker_;
};

/// Calls `on_event` for every event and `on_snapshot` (if set) for every
/// pool snapshot published in `sys`, from the moment this returns.
subscription subscribe(caf::actor_system& sys,
                       std::function<void(const event&)> on_event,
                       std::function<void(const pool_snapshot&)> on_snapshot
                       = {});

/// A function consumer: called synchronously inside `publish`, on the
/// publisher's thread (often a CAF scheduler thread), before the message
/// goes to the subscribed actors. No actor wakes up for it, which makes it
/// the cheap way to feed shared state such as the Prometheus metrics. Its
/// functions must be short, must not block beyond a brief lock, and must
/// not publish. Move-only; the destructor (or `cancel`) removes it and
/// waits for its calls under way. Counts as a subscriber of each topic it
/// has a function for.
class sink {
public:
  sink() = default;
  /// Takes over the registration `id` (see `add_sink`).
  explicit sink(uint64_t id);
  sink(sink&& other) noexcept;
  sink& operator=(sink&& other) noexcept;
  sink(const sink&) = delete;
  sink& operator=(const sink&) = delete;
  ~sink();

  /// Removes the sink; its functions are not called after this returns.
  void cancel();

  /// True until cancelled.
  explicit operator bool() const {
    return id_ != 0;
  }

private:
  uint64_t id_ = 0;
};

/// Calls `on_event` for every event and `on_snapshot` (if set) for every
/// pool snapshot published in `sys`, synchronously (see `sink`).
sink add_sink(caf::actor_system& sys,
              std::function<void(const event&)> on_event,
              std::function<void(const pool_snapshot&)> on_snapshot = {});

/// Registers the telemetry message types with a CAF configuration (needed
/// only to serialize them, e.g. for remote actors or to print them).
void register_types(caf::actor_system_config& cfg);

} // namespace snakepit::telemetry
