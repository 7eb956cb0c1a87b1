// The pool's request path without Python: least-loaded routing over the
// workers' slots, a full queue, and queue deadlines on simulated time.

#include <catch2/catch.hpp>

#include "pool_fixture.hpp"

using namespace snakepit;
using namespace snakepit::testing;
using namespace std::chrono_literals;

namespace {

/// Calls running on each of `ids`, in that order.
std::vector<size_t> load(pool_fixture& f, const std::vector<std::string>& ids) {
  std::vector<size_t> out;
  for (const auto& id : ids)
    out.push_back(f.channel(id).running().size());
  return out;
}

} // namespace

TEST_CASE("requests go to the worker with the fewest busy slots",
          "[actors][routing]") {
  auto cfg = test_pool(3);
  cfg.profile = worker_profile::thread;
  cfg.threads_per_worker = 2;
  pool_fixture f{cfg};
  auto ids = f.start_workers();
  REQUIRE(ids == std::vector<std::string>{"p/w1", "p/w2", "p/w3"});
  REQUIRE(f.status().total_slots == 6);
  // Three requests: one per worker.
  for (int i = 0; i < 3; ++i)
    f.send(make_request("work"));
  CHECK(load(f, ids) == std::vector<size_t>{1, 1, 1});
  // p/w2 is the least loaded once its call ends: it gets the next one.
  f.channel("p/w2").succeed(f.only_call("p/w2"), "2");
  f.settle();
  CHECK(f.reply(2)->worker == "p/w2");
  f.send(make_request("work"));
  CHECK(load(f, ids) == std::vector<size_t>{1, 1, 1});
  // Equal loads: the worker picked least recently goes first (w1, w3,
  // then w2), so each takes its second slot in turn.
  f.send(make_request("work"));
  CHECK(load(f, ids) == std::vector<size_t>{2, 1, 1});
  f.send(make_request("work"));
  CHECK(load(f, ids) == std::vector<size_t>{2, 1, 2});
  f.send(make_request("work"));
  CHECK(load(f, ids) == std::vector<size_t>{2, 2, 2});
  // Every slot busy: the next one waits, and takes the first slot freed.
  auto waiting = f.send(make_request("work"));
  CHECK(f.status().queue_depth == 1);
  CHECK(f.replies(waiting).empty());
  f.channel("p/w3").succeed(f.channel("p/w3").running().front(), "3");
  f.settle();
  CHECK(f.status().queue_depth == 0);
  CHECK(load(f, ids) == std::vector<size_t>{2, 2, 2});
  for (const auto& id : ids)
    for (auto call : f.channel(id).running())
      f.channel(id).succeed(call, "\"" + id + "\"");
  f.settle();
  CHECK(f.unanswered() == 0);
  CHECK(f.reply(waiting)->worker == "p/w3");
  CHECK(f.reply(waiting)->result_json == "\"p/w3\"");
  CHECK(f.status().busy_slots == 0);
}

TEST_CASE("a full queue refuses at once with pool_saturated",
          "[actors][routing]") {
  auto cfg = test_pool(1);
  cfg.queue_size = 2;
  pool_fixture f{cfg};
  f.start_workers();
  auto running = f.send(make_request("work"));
  auto first = f.send(make_request("work"));
  auto second = f.send(make_request("work"));
  CHECK(f.status().queue_depth == 2);
  CHECK(f.unanswered() == 3);
  auto refused = f.send(make_request("work"));
  CHECK(f.reply(refused).code() == error_code::pool_saturated);
  CHECK_THAT(f.reply(refused).error().message,
             Catch::Contains("queue is full (2 waiting)"));
  CHECK(f.reply(refused).error().worker.empty());
  CHECK(f.inspection().saturated == 1);
  // A slot frees: the oldest waiting request runs, and one more fits.
  f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
  f.settle();
  CHECK(f.reply(running).ok());
  CHECK(f.replies(first).empty());
  auto admitted = f.send(make_request("work"));
  CHECK(f.status().queue_depth == 2);
  for (auto tag : {first, second, admitted}) {
    CHECK(f.replies(tag).empty());
    f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
    f.settle();
    CHECK(f.reply(tag).ok());
  }
}

TEST_CASE("a queued request gets queue_timeout when its deadline passes",
          "[actors][routing]") {
  auto cfg = test_pool(1);
  cfg.queue_timeout = 500ms;
  pool_fixture f{cfg};
  f.start_workers();
  auto running = f.send(make_request("work"));
  auto early = f.send(make_request("work"));
  f.wait(200ms);
  auto late = f.send(make_request("work"));
  f.wait(299ms);
  CHECK(f.unanswered() == 3);
  f.wait(1ms);
  CHECK(f.reply(early).code() == error_code::queue_timeout);
  CHECK_THAT(f.reply(early).error().message,
             Catch::Contains("no worker of pool p became free within 500 ms"));
  CHECK(f.reply(early).error().queue_us == 500'000);
  CHECK(f.replies(late).empty());
  f.wait(199ms);
  CHECK(f.replies(late).empty());
  f.wait(1ms);
  CHECK(f.reply(late).code() == error_code::queue_timeout);
  CHECK(f.status().queue_depth == 0);
  // The call that held the slot was never affected.
  CHECK(f.replies(running).empty());
  f.channel("p/w1").succeed(f.only_call("p/w1"), "1");
  f.settle();
  CHECK(f.reply(running).ok());
}
