// The native transport's frames: split anywhere, coalesced, bounded, and
// broken streams reported as values.

#include <catch2/catch.hpp>

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "bridge/frame_codec.hpp"
#include "native.pb.h"

using namespace snakepit::bridge;
using google::protobuf::util::MessageDifferencer;

namespace {

/// Feeds `bytes` to `decoder` at most `chunk` bytes per read and returns
/// the envelopes it yields; fails the test if the stream breaks.
std::vector<Envelope> feed(frame_decoder& decoder, std::string_view bytes,
                           std::size_t chunk) {
  std::vector<Envelope> out;
  while (!bytes.empty()) {
    auto room = decoder.room();
    REQUIRE(room.size > 0);
    auto n = std::min({room.size, chunk, bytes.size()});
    std::memcpy(room.data, bytes.data(), n);
    decoder.commit(n);
    bytes.remove_prefix(n);
    for (;;) {
      Envelope envelope;
      auto status = decoder.next(envelope);
      REQUIRE(status != frame_status::broken);
      if (status == frame_status::need_more)
        break;
      out.push_back(std::move(envelope));
    }
  }
  return out;
}

/// The status after feeding all of `bytes` at once.
frame_status feed_status(frame_decoder& decoder, std::string_view bytes) {
  auto room = decoder.room();
  REQUIRE(room.size >= bytes.size());
  std::memcpy(room.data, bytes.data(), bytes.size());
  decoder.commit(bytes.size());
  Envelope envelope;
  return decoder.next(envelope);
}

/// Envelopes of every reply kind, the empty one included.
std::vector<Envelope> sample_envelopes() {
  std::vector<Envelope> out(5);
  out[0].set_call_id(7);
  out[0].mutable_result()->set_success(true);
  out[0].mutable_result()->mutable_result()->set_value(R"({"sum":3})");
  out[1].set_call_id(uint64_t{1} << 63 | 1);
  out[1].mutable_pong()->set_message("pong");
  out[2].set_call_id(9);
  out[2].mutable_info()->add_active_calls("7");
  out[3].set_call_id(300);
  out[3].mutable_error()->set_category("pool_saturated");
  // out[4]: zero bytes on the wire.
  return out;
}

std::string stream_of(const std::vector<Envelope>& envelopes) {
  std::string out;
  for (const auto& envelope : envelopes)
    out += encode_frame(envelope);
  return out;
}

void check_same(const std::vector<Envelope>& got,
                const std::vector<Envelope>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK(MessageDifferencer::Equals(got[i], want[i]));
}

} // namespace

TEST_CASE("frames split at every byte boundary decode whole",
          "[frame_codec]") {
  auto want = sample_envelopes();
  auto stream = stream_of(want);
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    INFO("split at " << split);
    frame_decoder decoder{1024};
    auto got = feed(decoder, std::string_view{stream}.substr(0, split),
                    stream.size());
    auto rest = feed(decoder, std::string_view{stream}.substr(split),
                     stream.size());
    got.insert(got.end(), rest.begin(), rest.end());
    check_same(got, want);
    CHECK(decoder.buffered() == 0);
  }
  frame_decoder bytewise{1024};
  check_same(feed(bytewise, stream, 1), want);
}

TEST_CASE("coalesced frames come out one by one", "[frame_codec]") {
  auto want = sample_envelopes();
  std::vector<Envelope> many;
  for (int i = 0; i < 2000; ++i)
    many.push_back(want[i % want.size()]);
  // More than one buffer's worth: reads fill the room they get.
  frame_decoder decoder{1024};
  check_same(feed(decoder, stream_of(many), 1 << 20), many);
}

TEST_CASE("a zero-length frame is an empty envelope", "[frame_codec]") {
  frame_decoder decoder{16};
  auto got = feed(decoder, std::string(4, '\0'), 4);
  REQUIRE(got.size() == 1);
  CHECK(got[0].call_id() == 0);
  CHECK(got[0].body_case() == Envelope::BODY_NOT_SET);
}

TEST_CASE("a length over the bound breaks the stream at once",
          "[frame_codec]") {
  frame_decoder decoder{100};
  // 101 bytes announced; the body never needs to arrive.
  CHECK(feed_status(decoder, std::string{"\0\0\0\x65", 4})
        == frame_status::broken);
  CHECK(decoder.error()
        == "a frame of 101 bytes, over the limit of 100 bytes");
  Envelope envelope;
  CHECK(decoder.next(envelope) == frame_status::broken);
  CHECK(decoder.room().size == 0);

  frame_decoder huge{100};
  CHECK(feed_status(huge, "\xff\xff\xff\xff") == frame_status::broken);
  CHECK(huge.error().find("4294967295 bytes") != std::string::npos);
}

TEST_CASE("an envelope that does not parse breaks the stream",
          "[frame_codec]") {
  frame_decoder decoder{100};
  CHECK(feed_status(decoder, std::string{"\0\0\0\x03\xff\xff\xff", 7})
        == frame_status::broken);
  CHECK(decoder.error() == "a frame of 3 bytes that is no Envelope");
  // A truncated sub-message: call_id, then `result` announcing 5 bytes.
  frame_decoder truncated{100};
  CHECK(feed_status(truncated, std::string{"\0\0\0\x04\x08\x01\x1a\x05", 8})
        == frame_status::broken);
}

TEST_CASE("the buffer stays within the bound and shrinks after a large "
          "frame",
          "[frame_codec]") {
  constexpr std::size_t max = 1 << 20;
  Envelope big;
  big.set_call_id(1);
  big.mutable_result()->mutable_result()->set_value(std::string(max - 64, 'x'));
  auto frame = encode_frame(big);
  REQUIRE(frame.size() <= max + frame_header_bytes);
  frame_decoder decoder{max};
  std::size_t largest = 0;
  std::string_view rest{frame};
  std::vector<Envelope> got;
  while (!rest.empty()) {
    auto part = feed(decoder, rest.substr(0, 4096), 4096);
    got.insert(got.end(), part.begin(), part.end());
    rest.remove_prefix(std::min<std::size_t>(4096, rest.size()));
    largest = std::max(largest, decoder.capacity());
  }
  REQUIRE(got.size() == 1);
  CHECK(MessageDifferencer::Equals(got[0], big));
  CHECK(largest <= max + frame_header_bytes);
  decoder.room();
  CHECK(decoder.capacity() <= 64 * 1024);
}

TEST_CASE("an execute head followed by the request's bytes is its envelope",
          "[frame_codec]") {
  for (uint64_t call_id : {uint64_t{0}, uint64_t{1}, uint64_t{300},
                           (uint64_t{1} << 63) - 1}) {
    for (std::size_t arg_bytes : {0, 100, 127, 128, 20000}) {
      INFO("call " << call_id << ", argument of " << arg_bytes << " bytes");
      ExecuteToolRequest request;
      request.set_tool_name("echo");
      request.set_session_id("s");
      if (arg_bytes > 0)
        (*request.mutable_parameters())["text"].set_value(
          std::string(arg_bytes, 'a'));
      auto bytes = request.SerializeAsString();
      auto frame = encode_execute_head(call_id, bytes.size()) + bytes;
      CHECK(frame.size()
            == frame_header_bytes
                 + execute_envelope_bytes(call_id, bytes.size()));

      frame_decoder decoder{1 << 20};
      auto got = feed(decoder, frame, frame.size());
      REQUIRE(got.size() == 1);
      CHECK(got[0].call_id() == call_id);
      REQUIRE(got[0].has_execute());
      CHECK(MessageDifferencer::Equals(got[0].execute(), request));

      Envelope built;
      built.set_call_id(call_id);
      *built.mutable_execute() = request;
      CHECK(built.ByteSizeLong()
            == execute_envelope_bytes(call_id, bytes.size()));
    }
  }
}
