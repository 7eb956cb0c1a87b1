// A worker that dies under a call, and a call abandoned at its deadline,
// without Python: each request gets exactly one reply, and a timed-out
// call keeps its slot until the worker says it ended.

#include <catch2/catch.hpp>

#include <csignal>

#include "pool_fixture.hpp"

using namespace snakepit;
using namespace snakepit::testing;
using namespace std::chrono_literals;

namespace {

/// What gRPC reports for a call whose worker died.
failure connection_lost() {
  return make_failure(error_code::worker_crashed,
                      "worker connection lost: Socket closed");
}

/// A process killed by SIGKILL that printed `tail` last.
process::exit_info killed(std::string tail) {
  process::exit_info info;
  info.signal = SIGKILL;
  info.output_tail = std::move(tail);
  return info;
}

} // namespace

TEST_CASE("a worker dying mid-call gives one reply, with the worker's account",
          "[actors][crash]") {
  pool_fixture f{test_pool(2)};
  f.start_workers();
  auto victim = f.send(make_request("work"));
  auto bystander = f.send(make_request("work"));
  auto pid = f.launcher().pid_of("p/w1");
  // gRPC notices first: the pool waits for the worker's own report.
  f.channel("p/w1").fail(f.only_call("p/w1"), connection_lost());
  f.settle();
  CHECK(f.replies(victim).empty());
  f.launcher().exit("p/w1", killed("Fatal Python error: Segmentation fault"));
  f.settle();
  const auto& reply = f.reply(victim);
  CHECK(reply.code() == error_code::worker_crashed);
  CHECK_THAT(reply.error().message,
             Catch::Contains("worker p/w1 (pid " + std::to_string(pid)
                             + ") killed by signal 9 (SIGKILL)"));
  CHECK_THAT(reply.error().traceback, Catch::Contains("Segmentation fault"));
  CHECK(reply.error().worker == "p/w1");
  // The wait for the report ends later and answers nothing more.
  f.wait(3s);
  CHECK(f.replies(victim).size() == 1);
  CHECK(f.replies(bystander).empty());
  // The crashed worker's slot gets a new worker.
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w3"});
  f.start_workers();
  auto next = f.send(make_request("work"));
  f.channel("p/w3").succeed(f.only_call("p/w3"), "3");
  f.channel("p/w2").succeed(f.only_call("p/w2"), "2");
  f.settle();
  CHECK(f.reply(next)->worker == "p/w3");
  CHECK(f.reply(bystander).ok());
  CHECK(f.inspection().requests_answered == 3);
}

TEST_CASE("a worker's report before gRPC's gives one reply too",
          "[actors][crash]") {
  pool_fixture f{test_pool(1)};
  f.start_workers();
  auto victim = f.send(make_request("work"));
  auto call = f.only_call("p/w1");
  f.launcher().exit("p/w1", killed(""));
  f.settle();
  CHECK(f.reply(victim).code() == error_code::worker_crashed);
  // gRPC's callback comes after the worker has gone: nothing more.
  f.channel("p/w1").fail(call, connection_lost());
  f.wait(3s);
  CHECK(f.replies(victim).size() == 1);
  CHECK(f.inspection().requests_answered == 1);
}

TEST_CASE("an idempotent call runs once more on another worker",
          "[actors][crash]") {
  pool_fixture f{test_pool(2)};
  f.start_workers();
  auto tag = f.send(make_request("work", true));
  f.launcher().exit("p/w1", killed(""));
  f.settle();
  CHECK(f.replies(tag).empty());
  f.channel("p/w2").succeed(f.only_call("p/w2"), "\"again\"");
  f.settle();
  CHECK(f.reply(tag).ok());
  CHECK(f.reply(tag)->worker == "p/w2");
  CHECK(f.reply(tag)->result_json == "\"again\"");
}

TEST_CASE("a call abandoned at its deadline keeps its slot until it ends",
          "[actors][abandoned]") {
  auto cfg = test_pool(1);
  // Long enough never to kill the worker here.
  cfg.hung_call_grace = std::chrono::hours{1};
  pool_fixture f{cfg};
  f.start_workers();
  auto slow = f.send(make_request("slow"));
  auto call = f.only_call("p/w1");
  f.channel("p/w1").fail(call,
                         make_failure(error_code::request_timeout,
                                      "no reply within 30000 ms"));
  f.settle();
  CHECK(f.reply(slow).code() == error_code::request_timeout);
  // Python may still run it: the slot stays busy and the next request
  // waits.
  CHECK(f.status().busy_slots == 1);
  auto next = f.send(make_request("work"));
  CHECK(f.status().queue_depth == 1);
  // The worker asks Python which calls still run.
  f.wait(50ms);
  REQUIRE(f.channel("p/w1").probes_waiting() == 1);
  f.channel("p/w1").answer_probe({call});
  f.settle();
  CHECK(f.status().busy_slots == 1);
  CHECK(f.replies(next).empty());
  CHECK(f.channel("p/w1").running().empty());
  // Once the call has left Python, the slot serves the waiting request.
  f.wait(50ms);
  REQUIRE(f.channel("p/w1").probes_waiting() == 1);
  f.channel("p/w1").answer_probe({});
  f.settle();
  auto follow_up = f.only_call("p/w1");
  CHECK(follow_up != call);
  CHECK(f.status().queue_depth == 0);
  f.channel("p/w1").succeed(follow_up, "1");
  f.settle();
  CHECK(f.reply(next).ok());
  CHECK(f.replies(slow).size() == 1);
  CHECK(f.status().busy_slots == 0);
  // No probe runs once nothing is abandoned.
  f.wait(1s);
  CHECK(f.channel("p/w1").probes_waiting() == 0);
}

TEST_CASE("a broken connection to a live process: the worker waits a "
          "moment for an exit, then stops the process and is replaced",
          "[actors][crash][native]") {
  pool_fixture f{test_pool(1)};
  f.start_workers();
  auto victim = f.send(make_request("work"));
  // A garbage frame from a process that keeps running.
  f.channel("p/w1").break_connection("protocol error: no Envelope");
  f.settle();
  CHECK(f.replies(victim).empty());
  f.wait(990ms);
  CHECK_FALSE(f.launcher().stop_asked("p/w1"));
  CHECK(f.replies(victim).empty());
  f.wait(20ms);
  CHECK(f.launcher().stop_asked("p/w1"));
  const auto& reply = f.reply(victim);
  CHECK(reply.code() == error_code::worker_crashed);
  CHECK_THAT(reply.error().message,
             Catch::Contains("connection to its process broke: protocol "
                             "error: no Envelope"));
  CHECK(f.launcher().exit_stopped() == 1);
  f.settle();
  // Its slot gets a new worker, which serves.
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w2"});
  f.start_workers();
  auto next = f.send(make_request("work"));
  f.channel("p/w2").succeed(f.only_call("p/w2"), "2");
  f.settle();
  CHECK(f.reply(next).ok());
}

TEST_CASE("a connection broken by a dying process: its exit is the account",
          "[actors][crash][native]") {
  pool_fixture f{test_pool(1)};
  f.start_workers();
  auto victim = f.send(make_request("work"));
  f.channel("p/w1").break_connection("the worker closed the connection");
  f.launcher().exit("p/w1", killed("Fatal Python error: Aborted"));
  f.settle();
  const auto& reply = f.reply(victim);
  CHECK(reply.code() == error_code::worker_crashed);
  CHECK_THAT(reply.error().message, Catch::Contains("killed by signal 9"));
  CHECK_THAT(reply.error().traceback, Catch::Contains("Aborted"));
  // The end of the wait finds the worker gone: nothing more happens.
  f.wait(2s);
  CHECK(f.replies(victim).size() == 1);
  CHECK(f.launcher().waiting() == std::vector<std::string>{"p/w2"});
}
