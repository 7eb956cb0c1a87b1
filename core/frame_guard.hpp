#pragma once

/// Bounds the messages a peer may send between hosts. CAF's network
/// protocol (BASP, in CAF 0.17) frames each message as a 32-byte header,
/// whose bytes 4-7 hold the payload's length in network byte order, then
/// the payload; CAF itself sets no limit and buffers what a header
/// announces. The guard reads the stream as it passes and says stop at
/// the first header announcing more than the limit.

#include <cstddef>
#include <cstdint>

namespace snakepit {

/// Follows one direction of a BASP byte stream (CAF-free; unit-tested).
class frame_guard {
public:
  /// Size of a BASP header.
  static constexpr size_t header_size = 32;

  /// A guard letting payloads of up to `max_payload` bytes through.
  explicit frame_guard(uint64_t max_payload) : max_payload_(max_payload) {
  }

  /// Follows `size` more bytes of the stream; false once a header
  /// announced a payload above the limit (and from then on).
  bool pass(const std::byte* data, size_t size);

  /// The payload length the offending header announced (0 while none
  /// did).
  uint64_t refused_length() const {
    return refused_;
  }

private:
  uint64_t max_payload_;
  /// Header bytes read of the current header.
  size_t header_read_ = 0;
  /// Its payload length, assembled from bytes 4-7.
  uint32_t length_ = 0;
  /// Payload bytes still to skip before the next header.
  uint64_t payload_left_ = 0;
  uint64_t refused_ = 0;
};

} // namespace snakepit
