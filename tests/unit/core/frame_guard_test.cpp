// The guard on messages between hosts: BASP headers announce a payload
// length; one above the limit stops the stream, wherever the header is
// cut between reads.

#include "core/frame_guard.hpp"

#include <catch2/catch.hpp>

#include <vector>

using snakepit::frame_guard;

namespace {

/// A header announcing `length` payload bytes, then that payload.
std::vector<std::byte> frame(uint32_t length, size_t payload_bytes) {
  std::vector<std::byte> out(frame_guard::header_size, std::byte{0xAB});
  out[4] = std::byte(length >> 24);
  out[5] = std::byte((length >> 16) & 0xFF);
  out[6] = std::byte((length >> 8) & 0xFF);
  out[7] = std::byte(length & 0xFF);
  out.insert(out.end(), payload_bytes, std::byte{0xFF});
  return out;
}

std::vector<std::byte> concat(std::vector<std::vector<std::byte>> parts) {
  std::vector<std::byte> out;
  for (auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// Feeds `bytes` in pieces of `step`; whether every piece passed.
bool feed(frame_guard& guard, const std::vector<std::byte>& bytes,
          size_t step) {
  for (size_t at = 0; at < bytes.size(); at += step) {
    auto n = std::min(step, bytes.size() - at);
    if (!guard.pass(bytes.data() + at, n))
      return false;
  }
  return true;
}

} // namespace

TEST_CASE("frame guard: frames within the limit pass, however they are cut",
          "[frame_guard]") {
  // Payload bytes of 0xFF would read as a huge length if the guard lost
  // track of where headers start.
  auto stream = concat({frame(0, 0), frame(100, 100), frame(1000, 1000),
                        frame(1000, 1000), frame(0, 0)});
  for (size_t step : {1u, 3u, 7u, 31u, 32u, 33u, 4096u}) {
    INFO("pieces of " << step);
    frame_guard guard{1000};
    CHECK(feed(guard, stream, step));
    CHECK(guard.refused_length() == 0);
  }
}

TEST_CASE("frame guard: a header announcing more than the limit stops the "
          "stream",
          "[frame_guard]") {
  auto stream = concat({frame(10, 10), frame(0xFFFFFFF0u, 64)});
  for (size_t step : {1u, 5u, 42u, 1024u}) {
    INFO("pieces of " << step);
    frame_guard guard{64 * 1024 * 1024};
    CHECK_FALSE(feed(guard, stream, step));
    CHECK(guard.refused_length() == 0xFFFFFFF0u);
    // And it stays stopped.
    auto more = frame(1, 1);
    CHECK_FALSE(guard.pass(more.data(), more.size()));
  }
  frame_guard exact{1000};
  auto at_limit = frame(1000, 1000);
  CHECK(exact.pass(at_limit.data(), at_limit.size()));
  auto above = frame(1001, 0);
  CHECK_FALSE(exact.pass(above.data(), above.size()));
}

TEST_CASE("frame guard: a header cut inside the length field is assembled",
          "[frame_guard]") {
  auto big = frame(2000, 0);
  frame_guard guard{1000};
  CHECK(guard.pass(big.data(), 5));  // up to the first length byte
  CHECK(guard.pass(big.data() + 5, 2));
  CHECK_FALSE(guard.pass(big.data() + 7, big.size() - 7));
  CHECK(guard.refused_length() == 2000);
}
