// Your own actor as a telemetry subscriber.
//
// Pools and workers publish telemetry events (docs/telemetry.md) on a bus
// of CAF messages, each event type a struct and a message type of its own.
// Any actor of the host's actor system can subscribe to the types it
// handles with `telemetry::subscribe(self, topic::of<...>())` and match
// them with ordinary typed handlers. Here a small stateful actor counts the
// `request.executed` events per command and prints every `worker.started`.
//
// main starts a host on the default config (one pool "default" of two
// showcase workers), subscribes the actor, sends a few requests, syncs with
// the actor, prints its tally, then unsubscribes it, stops it and stops the
// host.
//
// Run: build/bin/example_telemetry_subscriber

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
#include <string>

#include <snakepit/snakepit.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

namespace {

namespace tel = snakepit::telemetry;
using namespace std::chrono_literals;

/// Asks the subscriber for its counts: `(tally_atom) -> (counts)`.
using tally_atom = caf::atom_constant<caf::atom("tally")>;

/// request.executed events per command.
using counts = std::map<std::string, int>;

/// The subscriber's state: what it counted so far.
struct tally_state {
  counts executed;

  static inline const char* name = "example.telemetry_tally";
};

using tally_ptr = caf::stateful_actor<tally_state>*;

/// An event-based actor that subscribes itself to the telemetry events.
/// Its handlers run one message at a time, so the state needs no lock; like
/// any CAF handler they must be short and must not block.
caf::behavior telemetry_tally(tally_ptr self) {
  // Only these two event types reach it; takes effect at once.
  tel::subscribe(self,
                 tel::topic::of<tel::request_executed, tel::worker_started>());
  return {
    [self](const tel::request_executed& ev) {
      ++self->state.executed[ev.command];
    },
    [self](const tel::worker_started& ev) {
      caf::aout(self) << "worker " << ev.worker << " started (pid " << ev.pid
                      << ") in "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(
                           ev.startup)
                           .count()
                      << " ms" << std::endl;
    },
    // Answered after every event published before it reached us: the
    // bus's convention for "you have seen everything up to now".
    [](tel::sync_atom) { return tel::sync_atom::value; },
    [self](tally_atom) { return self->state.executed; },
  };
}

} // namespace

int main() {
  // Keep the output to our own prints.
  spdlog::set_level(spdlog::level::warn);

  // 1. A host on the bundled defaults: its own actor system, one pool.
  auto started = snakepit::host::start(snakepit::default_config());
  if (!started) {
    std::cerr << started.error().message << '\n';
    return 1;
  }
  auto& host = **started;

  // 2. Our subscriber, in the host's actor system (events reach only
  //    subscribers of the publisher's system). The workers take a few
  //    hundred ms to start, so it is subscribed in time to see them.
  auto tally = host.system().spawn(telemetry_tally);
  for (const auto& status : host.await_ready())
    if (!status.all_ready()) {
      std::cerr << "pool failed: " << snakepit::describe(status.failed)
                << '\n';
      return 1;
    }

  // 3. Some requests, through the blocking client; one of them fails.
  const counts expected{{"add", 3}, {"echo", 2}, {"fail", 1}};
  auto& client = host.client();
  for (int i = 0; i < 3; ++i)
    client.execute("default", "add", R"({"a": 1, "b": 2})");
  for (int i = 0; i < 2; ++i)
    client.execute("default", "echo", R"({"hello": "telemetry"})");
  client.execute("default", "fail", R"({"message": "on purpose"})");

  // 4. Sync, then ask for the tally. A pool publishes request.executed
  //    before it replies, so once the sync answer is in, every request
  //    above has been counted. (A scoped_actor counts as a running actor:
  //    it must be gone before the host stops, hence the inner scope.)
  counts tallied;
  {
    caf::scoped_actor self{host.system()};
    self->request(tally, 10s, tel::sync_atom::value)
      .receive([](tel::sync_atom) {},
               [&](caf::error& err) {
                 std::cerr << "no sync: " << caf::to_string(err) << '\n';
               });
    self->request(tally, 10s, tally_atom::value)
      .receive([&](counts& c) { tallied = std::move(c); },
               [&](caf::error& err) {
                 std::cerr << "no tally: " << caf::to_string(err) << '\n';
               });
  }
  std::cout << "request.executed per command:\n";
  for (const auto& [command, n] : tallied)
    std::cout << "  " << command << ": " << n << '\n';

  // 5. Unsubscribe and stop our actor, then the host. Actors of one's own
  //    in the host's system must be gone before host.stop(), which waits
  //    for every actor. (An actor that quits is unsubscribed anyway; the
  //    explicit call shows how to stop listening and keep running.)
  tel::unsubscribe(tally, tel::topic::of<tel::request_executed,
                                         tel::worker_started>());
  caf::anon_send_exit(tally, caf::exit_reason::user_shutdown);
  host.stop();
  std::cout << "done\n";
  return tallied == expected ? 0 : 1;
}
