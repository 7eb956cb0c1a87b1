// Sessions: state that lives in a Python worker from one request to the
// next, and survives the worker's recycle.
//
// A pool of two workers runs SessionCounterAdapter (bundled with the worker
// package): its tool `session_add` adds to a total kept in the session's
// state, and its `snapshot_session` / `restore_session` hooks let a recycle
// move a session to the replacement worker. Two sessions, "alice" and
// "bob", add to their totals; each request of a session goes to the worker
// that holds it. Then every worker is recycled by hand: each session's
// state is taken from the old worker and restored on its replacement, and
// the `snakepit.session.moved` events are printed. One more call per
// session shows that the totals survived; then both sessions are closed,
// and "alice" starts again from nothing. Exits 0 only when every total is
// right (docs/sessions.md).
//
// Run: build/bin/example_session_service

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>
#include <string>
#include <thread>

#include <snakepit/snakepit.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

namespace tel = snakepit::telemetry;
using namespace std::chrono_literals;

namespace {

/// Adds `amount` to the total of `session` and prints the reply. Returns
/// the new total, or -1 when the request failed.
int add(snakepit::client& client, const std::string& session, int amount) {
  snakepit::execute_request req;
  req.command = "session_add";
  req.args_json = R"({"amount": )" + std::to_string(amount) + "}";
  req.session_id = session; // the request belongs to this session
  auto reply = client.execute(req);
  if (!reply) {
    std::cerr << session << ": " << snakepit::describe(reply) << '\n';
    return -1;
  }
  // The result is JSON text: {"total": ..., "pid": ...}.
  auto total = nlohmann::json::parse(reply->result_json).at("total").get<int>();
  std::cout << session << " += " << amount << " -> " << total << " on "
            << reply->worker << std::endl;
  return total;
}

} // namespace

int main() {
  spdlog::set_level(spdlog::level::warn);

  // 1. One pool of two workers whose adapter has the session hooks.
  auto cfg = snakepit::default_config();
  cfg.pools.front().adapter
    = "snakepit_bridge.adapters.session_counter.SessionCounterAdapter";
  auto started = snakepit::host::start(cfg);
  if (!started) {
    std::cerr << started.error().message << '\n';
    return 1;
  }
  auto& host = **started;
  auto& client = host.client();

  // 2. Print each session move, count the recycles. The callback runs on a
  //    CAF thread: keep it short.
  std::atomic<int> moves{0};
  std::atomic<int> recycles{0};
  auto sub = tel::subscribe(host.system(), [&](const tel::event& ev) {
    if (const auto* moved = std::get_if<tel::session_moved>(&ev)) {
      ++moves;
      std::cout << "session " << moved->session << " moved from "
                << moved->worker << " to " << moved->to_worker << " ("
                << moved->state_bytes << " bytes of state)" << std::endl;
    } else if (std::holds_alternative<tel::worker_recycled>(ev)) {
      ++recycles;
    }
  });
  if (!host.await_ready().front().all_ready()) {
    std::cerr << "the pool did not start\n";
    return 1;
  }

  // 3. Two sessions, each adding to its own total.
  int wrong = 0;
  auto expect = [&wrong](int total, int expected) {
    if (total != expected) {
      ++wrong;
      std::cerr << "expected a total of " << expected << ", got " << total
                << '\n';
    }
  };
  expect(add(client, "alice", 10), 10);
  expect(add(client, "bob", 3), 3);
  expect(add(client, "alice", 5), 15);

  // 4. Recycle every worker. The call returns at once; each session moves
  //    once its worker's replacement is ready, and the old worker stops
  //    after its moves.
  auto ack = client.recycle("default");
  if (!ack) {
    std::cerr << "recycle: " << snakepit::describe(ack.error()) << '\n';
    return 1;
  }
  std::cout << "recycling " << ack->workers.size() << " workers" << std::endl;
  for (int i = 0; i < 600 && (moves < 2 || recycles < 2); ++i)
    std::this_thread::sleep_for(100ms);

  // 5. The totals survived, on the new workers.
  expect(add(client, "alice", 1), 16);
  expect(add(client, "bob", 1), 4);

  // 6. Close both sessions: the adapter's close_session runs, and the next
  //    request of "alice" opens a new session.
  for (const char* session : {"alice", "bob"}) {
    auto closed = client.close_session("default", session);
    std::cout << "closed " << session << ": "
              << (closed && *closed ? "yes" : "no") << std::endl;
    if (!closed || !*closed)
      ++wrong;
  }
  expect(add(client, "alice", 1), 1);

  sub.cancel();
  host.stop();
  std::cout << (wrong == 0 && moves == 2 ? "totals right" : "totals WRONG")
            << std::endl;
  return wrong == 0 && moves == 2 ? 0 : 1;
}
