// The native transport's channel against a real Unix socket: the worker's
// end is a frame_server driven by the test itself (or by a thread of its
// own). Waits are bounded: a broken channel fails, it never hangs.

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

Envelope result_for(uint64_t call_id, const std::string& json) {
  Envelope reply;
  reply.set_call_id(call_id);
  reply.mutable_result()->set_success(true);
  reply.mutable_result()->mutable_result()->set_value(json);
  return reply;
}

} // namespace

TEST_CASE_METHOD(channel_fixture,
                 "replies of concurrent calls come back out of order",
                 "[native_channel]") {
  std::vector<completion<tool_result>> calls(3);
  for (uint64_t id = 1; id <= 3; ++id)
    ch->execute(id, call_of("t" + std::to_string(id)), 30s,
                calls[id - 1].callback());
  completion<std::string> pinged;
  ch->ping(30s, pinged.callback());
  completion<worker_activity> described;
  ch->describe(30s, described.callback());

  REQUIRE(server.accept());
  std::vector<Envelope> requests;
  for (int i = 0; i < 5; ++i)
    requests.push_back(receive(server));
  CHECK(requests[0].execute().tool_name() == "t1");
  CHECK(requests[3].has_ping());
  CHECK(requests[3].call_id() >> 63 == 1);
  CHECK(requests[4].has_describe());
  CHECK(requests[4].call_id() != requests[3].call_id());
  for (int i : {4, 2, 0, 3, 1}) {
    auto reply = echo_reply(requests[i]);
    if (requests[i].has_describe())
      reply.mutable_info()->add_active_calls("2");
    REQUIRE(server.send(reply));
  }
  for (uint64_t id = 1; id <= 3; ++id) {
    auto result = calls[id - 1].get();
    CHECK(result.error.code == error_code::none);
    CHECK(result.result_json == "\"t" + std::to_string(id) + "\"");
  }
  CHECK(pinged.get().empty());
  auto activity = described.get();
  CHECK(activity.error.empty());
  CHECK(activity.active_calls == std::vector<uint64_t>{2});
}

TEST_CASE_METHOD(channel_fixture,
                 "a reply written a byte at a time arrives whole",
                 "[native_channel]") {
  completion<tool_result> call;
  ch->execute(5, call_of("slow"), 30s, call.callback());
  REQUIRE(server.accept());
  auto request = receive(server);
  for (char byte : encode_frame(result_for(request.call_id(), "[1,2,3]")))
    REQUIRE(server.send_bytes(std::string(1, byte)));
  CHECK(call.get().result_json == "[1,2,3]");
}

TEST_CASE_METHOD(channel_fixture,
                 "a call without a reply times out and is cancelled",
                 "[native_channel]") {
  // The long call arms the deadline timer first: the short ones must
  // re-arm it earlier.
  completion<tool_result> long_call;
  ch->execute(10, call_of("long"), 30s, long_call.callback());
  completion<tool_result> call;
  ch->execute(11, call_of("hang"), 50ms, call.callback());
  completion<std::string> pinged;
  ch->ping(50ms, pinged.callback());
  REQUIRE(server.accept());
  CHECK(receive(server).call_id() == 10);
  CHECK(receive(server).call_id() == 11);
  CHECK(receive(server).has_ping());

  auto result = call.get();
  CHECK(result.error.code == error_code::request_timeout);
  CHECK(result.error.message == "no reply within 50 ms");
  CHECK(pinged.get() == "no reply within 50 ms");
  auto cancel = receive(server);
  CHECK(cancel.has_cancel());
  CHECK(cancel.call_id() == 11);

  // The late reply is dropped; the connection goes on serving.
  REQUIRE(server.send(result_for(11, "\"late\"")));
  completion<tool_result> next;
  ch->execute(12, call_of("next"), 30s, next.callback());
  REQUIRE(server.send(echo_reply(receive(server))));
  CHECK(next.get().result_json == "\"next\"");
  CHECK(long_call.future.wait_for(0s) == std::future_status::timeout);
}

TEST_CASE_METHOD(channel_fixture,
                 "a call id already in flight is refused",
                 "[native_channel]") {
  completion<tool_result> first;
  ch->execute(5, call_of("a"), 30s, first.callback());
  completion<tool_result> second;
  ch->execute(5, call_of("b"), 30s, second.callback());
  auto refused = second.get();
  CHECK(refused.error.code == error_code::internal);
  CHECK(refused.error.message == "call id 5 is already in flight on this "
                                 "worker");
  REQUIRE(server.accept());
  REQUIRE(server.send(echo_reply(receive(server))));
  CHECK(first.get().result_json == "\"a\"");
}

TEST_CASE_METHOD(channel_fixture,
                 "a frame error fails only its own call, with its category",
                 "[native_channel]") {
  auto calls = execute_calls(*ch, 3);
  REQUIRE(server.accept());
  const char* categories[] = {"pool_saturated", "none", "bogus"};
  for (uint64_t id = 1; id <= 3; ++id) {
    Envelope error;
    error.set_call_id(receive(server).call_id());
    error.mutable_error()->set_category(categories[id - 1]);
    error.mutable_error()->set_message("no slot");
    REQUIRE(server.send(error));
  }
  CHECK(calls[0].get().error.code == error_code::pool_saturated);
  CHECK(calls[1].get().error.code == error_code::internal);
  auto third = calls[2].get();
  CHECK(third.error.code == error_code::internal);
  CHECK(third.error.message == "no slot");

  completion<std::string> pinged;
  ch->ping(30s, pinged.callback());
  REQUIRE(server.send(echo_reply(receive(server))));
  CHECK(pinged.get().empty());
}
