// How the native transport's channel ends: the worker hangs up or sends
// garbage, nothing listens, the channel is destroyed with calls pending or
// from inside its own completion; and payloads up to 32 MB.

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "bridge/frame_codec.hpp"
#include "bridge/native_channel.hpp"
#include "channel_test_support.hpp"

using namespace snakepit;
using namespace snakepit::bridge;
using namespace snakepit::test;
using namespace std::chrono_literals;

namespace {

/// Two calls pending when `end_connection` runs; both must fail with
/// `worker_crashed`, `on_broken` must run once, a later call must fail too.
void check_connection_end(channel_fixture& f,
                          const std::function<void()>& end_connection,
                          const std::string& reason_part) {
  auto& [server, broken, ch] = f;
  auto calls = execute_calls(*ch, 2);
  REQUIRE(server.accept());
  receive(server);
  receive(server);
  end_connection();
  for (auto& call : calls) {
    auto result = call.get();
    CHECK(result.error.code == error_code::worker_crashed);
    CHECK_THAT(result.error.message,
               Catch::StartsWith("worker connection lost: ")
                 && Catch::Contains(reason_part));
  }
  CHECK_THAT(broken.first.get(), Catch::Contains(reason_part));
  completion<tool_result> later;
  ch->execute(3, call_of("t"), 30s, later.callback());
  CHECK(later.get().error.code == error_code::worker_crashed);
  completion<std::string> pinged;
  ch->ping(30s, pinged.callback());
  CHECK_THAT(pinged.get(), Catch::Contains(reason_part));
  CHECK(*broken.calls == 1);
}

} // namespace

TEST_CASE_METHOD(channel_fixture,
                 "the worker hanging up fails the pending calls",
                 "[native_channel]") {
  check_connection_end(*this, [&] { server.hang_up(); },
                       "the worker closed the connection");
}

TEST_CASE_METHOD(channel_fixture,
                 "garbage from the worker ends the connection",
                 "[native_channel]") {
  SECTION("an envelope that does not parse") {
    check_connection_end(
      *this,
      [&] { REQUIRE(server.send_bytes(std::string{"\0\0\0\x02\xff\xff", 6})); },
      "protocol error: a frame of 2 bytes that is no Envelope");
  }
  SECTION("a length over the bound") {
    check_connection_end(
      *this, [&] { REQUIRE(server.send_bytes("\x7f\xff\xff\xff")); },
      "over the limit of 67108864 bytes");
  }
  SECTION("a truncated frame") {
    check_connection_end(
      *this,
      [&] {
        REQUIRE(server.send_bytes(std::string{"\0\0\0\x09\x08", 5}));
        server.hang_up();
      },
      "truncated frame");
  }
}

TEST_CASE("nothing listening fails calls at once", "[native_channel]") {
  broken_probe broken;
  auto ch = make_native_channel(make_native_io(),
                                "/tmp/snakepit-native-test-nobody.sock",
                                test_max_bytes, broken.callback());
  completion<tool_result> call;
  ch->execute(1, call_of("t"), 30s, call.callback());
  auto result = call.get();
  CHECK(result.error.code == error_code::worker_crashed);
  CHECK_THAT(result.error.message, Catch::Contains("cannot connect"));
  CHECK_THAT(broken.first.get(), Catch::Contains("cannot connect"));
}

TEST_CASE_METHOD(channel_fixture,
                 "32 MB go both ways, and a call over the bound fails at once",
                 "[native_channel]") {
  constexpr std::size_t size = 32 << 20;
  completion<tool_result> call;
  ch->execute(1, call_of("big", size), 30s, call.callback());
  REQUIRE(server.accept());
  auto request = receive(server);
  CHECK(request.execute().parameters().at("data").value().size() == size);

  Envelope reply;
  reply.set_call_id(1);
  reply.mutable_result()->set_success(true);
  reply.mutable_result()->mutable_result()->set_value(
    '"' + std::string(size, 'r') + '"');
  REQUIRE(server.send(reply));
  auto result = call.get();
  CHECK(result.error.code == error_code::none);
  CHECK(result.result_json.size() == size + 2);

  completion<tool_result> too_big;
  ch->execute(2, call_of("big", test_max_bytes), 30s, too_big.callback());
  auto refused = too_big.get();
  CHECK(refused.error.code == error_code::invalid_arguments);
  CHECK_THAT(refused.error.message, Catch::Contains("max_message_mb"));
}

TEST_CASE_METHOD(channel_fixture,
                 "destroying the channel completes each pending call once",
                 "[native_channel]") {
  auto calls = execute_calls(*ch, 3);
  completion<worker_activity> described;
  ch->describe(30s, described.callback());
  REQUIRE(server.accept());
  for (int i = 0; i < 4; ++i)
    receive(server);
  ch.reset();
  for (auto& call : calls) {
    auto result = call.get();
    CHECK(result.error.code == error_code::worker_crashed);
    CHECK(result.error.message == "worker connection lost: channel closed");
  }
  CHECK(described.get().error == "worker connection lost: channel closed");
  CHECK(*broken.calls == 0);
  CHECK_FALSE(server.receive()); // the connection is closed
}

TEST_CASE("the last references may go inside a completion",
          "[native_channel]") {
  frame_server server;
  completion<bool> released;
  {
    auto io = make_native_io();
    auto ch = make_native_channel(io, server.path(), test_max_bytes, nullptr);
    auto* raw = ch.get();
    // The callback holds the only references once this scope ends: they
    // are dropped on the I/O thread, inside the completion.
    auto holder = std::make_shared<std::pair<std::shared_ptr<channel>,
                                             std::shared_ptr<native_io>>>(
      std::move(ch), std::move(io));
    raw->ping(30s, [holder, p = released.promise](std::string) mutable {
      holder.reset();
      p->set_value(true);
    });
  }
  REQUIRE(server.accept());
  REQUIRE(server.send(echo_reply(receive(server))));
  CHECK(released.get());
  CHECK_FALSE(server.receive());
}

TEST_CASE_METHOD(channel_fixture,
                 "many callers share one connection",
                 "[native_channel]") {
  std::atomic<bool> served{true};
  std::thread worker{[&] {
    if (!server.accept()) {
      served = false;
      return;
    }
    while (auto request = server.receive())
      if (!server.send(echo_reply(*request)))
        break;
  }};
  constexpr int callers = 4;
  constexpr int per_caller = 200;
  std::vector<std::vector<completion<tool_result>>> results(callers);
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    results[c].resize(per_caller);
    threads.emplace_back([&, c] {
      for (int i = 0; i < per_caller; ++i)
        ch->execute(static_cast<uint64_t>(c * per_caller + i + 1),
                    call_of("c" + std::to_string(c) + "-" + std::to_string(i),
                            i % 7 == 0 ? 100000 : 10),
                    30s, results[c][i].callback());
    });
  }
  for (auto& t : threads)
    t.join();
  for (int c = 0; c < callers; ++c)
    for (int i = 0; i < per_caller; ++i) {
      auto result = results[c][i].get();
      REQUIRE(result.result_json
              == "\"c" + std::to_string(c) + "-" + std::to_string(i) + "\"");
    }
  ch.reset();
  worker.join();
  CHECK(served);
}
