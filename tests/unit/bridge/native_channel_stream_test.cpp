// Streaming calls on the native channel: chunks in order against credit,
// grants, cancel, the idle timeout that runs only while the worker has
// credit, and a chunk without credit as a protocol error. The worker's end
// is a frame_server driven by the test.

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "bridge/native_channel.hpp"
#include "channel_test_support.hpp"

using namespace snakepit;
using namespace snakepit::bridge;
using namespace snakepit::test;
using namespace std::chrono_literals;

namespace {

/// A streaming call of `tool`: its request with the `stream` flag set.
std::shared_ptr<const std::string> stream_of(const std::string& tool) {
  ExecuteToolRequest request;
  request.set_tool_name(tool);
  request.set_stream(true);
  return std::make_shared<const std::string>(request.SerializeAsString());
}

Envelope json_chunk(uint64_t id, const std::string& json) {
  Envelope chunk;
  chunk.set_call_id(id);
  chunk.mutable_chunk()->set_json(json);
  return chunk;
}

Envelope binary_chunk(uint64_t id, const std::string& data) {
  Envelope chunk;
  chunk.set_call_id(id);
  chunk.mutable_chunk()->set_binary(data);
  return chunk;
}

/// The success that ends stream `id`.
Envelope stream_end(uint64_t id) {
  Envelope end;
  end.set_call_id(id);
  end.mutable_result()->set_success(true);
  return end;
}

/// A channel and its worker's end, with a way to start a stream past its
/// `execute` and window frames.
struct stream_fixture : channel_fixture {
  chunk_log chunks;
  completion<tool_result> done;

  /// Starts stream `id` of tool "count"; the worker's end takes the call
  /// and the window.
  void start(uint64_t id, uint32_t window,
             std::chrono::milliseconds idle_timeout = 30s) {
    ch->execute_stream(id, stream_of("count"), idle_timeout, window,
                       chunks.callback(), done.callback());
    REQUIRE(server.accept());
    REQUIRE(receive(server).has_execute());
    REQUIRE(receive(server).credit().chunks() == window);
  }
};

} // namespace

TEST_CASE_METHOD(channel_fixture,
                 "a stream sends its window after the call, takes chunks in "
                 "order and ends once",
                 "[native_channel][stream]") {
  chunk_log chunks;
  completion<tool_result> done;
  ch->execute_stream(7, stream_of("count"), 30s, 2, chunks.callback(),
                     done.callback());
  REQUIRE(server.accept());
  auto request = receive(server);
  CHECK(request.execute().tool_name() == "count");
  CHECK(request.execute().stream());
  auto window = receive(server);
  REQUIRE(window.has_credit());
  CHECK(window.call_id() == 7);
  CHECK(window.credit().chunks() == 2);

  REQUIRE(server.send(json_chunk(7, R"({"i":0})")));
  REQUIRE(server.send(binary_chunk(7, std::string{"\0\xff", 2})));
  auto got = chunks.await(2);
  CHECK(got[0] == std::make_pair(std::string{R"({"i":0})"}, false));
  CHECK(got[1] == std::make_pair(std::string{"\0\xff", 2}, true));

  ch->grant(7, 1);
  auto more = receive(server);
  REQUIRE(more.has_credit());
  CHECK(more.credit().chunks() == 1);
  REQUIRE(server.send(json_chunk(7, "3")));
  CHECK(chunks.await(3)[2].first == "3");
  REQUIRE(server.send(stream_end(7)));
  CHECK(done.get().error.code == error_code::none);
  // A grant after the end is not sent: the next frame is the ping.
  ch->grant(7, 5);
  completion<std::string> pinged;
  ch->ping(30s, pinged.callback());
  CHECK(receive(server).has_ping());
}

TEST_CASE_METHOD(stream_fixture,
                 "a cancelled stream tells the worker and drops what comes "
                 "after",
                 "[native_channel][stream]") {
  start(3, 4);
  REQUIRE(server.send(json_chunk(3, "0")));
  chunks.await(1);
  ch->cancel_stream(3);
  auto cancel = receive(server);
  CHECK(cancel.has_cancel());
  CHECK(cancel.call_id() == 3);
  // Late frames of the cancelled stream are dropped; the channel serves on.
  REQUIRE(server.send(json_chunk(3, "1")));
  REQUIRE(server.send(stream_end(3)));
  auto after = execute_calls(*ch, 1);
  REQUIRE(server.send(echo_reply(receive(server))));
  CHECK(after[0].get().result_json == "\"t\"");
  CHECK(chunks.await(1).size() == 1);
  CHECK(done.future.wait_for(0s) == std::future_status::timeout);
}

TEST_CASE_METHOD(stream_fixture,
                 "the idle timeout runs only while the worker has credit",
                 "[native_channel][stream]") {
  start(9, 1, 150ms);
  REQUIRE(server.send(json_chunk(9, "0")));
  chunks.await(1);
  // No credit left: the host holds the stream back, nothing times out.
  CHECK(done.future.wait_for(450ms) == std::future_status::timeout);
  ch->grant(9, 1);
  CHECK(receive(server).has_credit());
  // Credit again and no chunk: the timeout ends the stream and cancels it.
  auto result = done.get();
  CHECK(result.error.code == error_code::request_timeout);
  auto cancel = receive(server);
  CHECK(cancel.has_cancel());
  CHECK(cancel.call_id() == 9);
}

TEST_CASE_METHOD(stream_fixture,
                 "a chunk without credit is a protocol error",
                 "[native_channel][stream]") {
  start(4, 1);
  REQUIRE(server.send(json_chunk(4, "0")));
  REQUIRE(server.send(json_chunk(4, "1")));
  CHECK(done.get().error.code == error_code::worker_crashed);
  CHECK_THAT(broken.first.get(), Catch::Contains("without credit"));
  CHECK(chunks.await(1).size() == 1);
}

TEST_CASE_METHOD(channel_fixture,
                 "a plain call's id takes no chunks and no grants",
                 "[native_channel][stream]") {
  auto calls = execute_calls(*ch, 1);
  REQUIRE(server.accept());
  auto request = receive(server);
  ch->grant(1, 3); // not a stream: nothing is sent
  REQUIRE(server.send(json_chunk(1, "0"))); // dropped
  REQUIRE(server.send(echo_reply(request)));
  CHECK(calls[0].get().result_json == "\"t\"");
  completion<std::string> pinged;
  ch->ping(30s, pinged.callback());
  CHECK(receive(server).has_ping());
}

TEST_CASE_METHOD(stream_fixture,
                 "grants never raise the credit above the window",
                 "[native_channel][stream]") {
  start(5, 2);
  REQUIRE(server.send(json_chunk(5, "0")));
  chunks.await(1);
  // One chunk delivered, five acknowledged: only one more is granted.
  ch->grant(5, 5);
  auto more = receive(server);
  REQUIRE(more.has_credit());
  CHECK(more.credit().chunks() == 1);
  ch->grant(5, 3); // the window is full: nothing is sent
  completion<std::string> pinged;
  ch->ping(30s, pinged.callback());
  CHECK(receive(server).has_ping());
}
