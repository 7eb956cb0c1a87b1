#include "core/frame_guard.hpp"

#include <algorithm>

namespace snakepit {

namespace {

/// Where the payload length sits in a header.
constexpr size_t length_offset = 4;
constexpr size_t length_end = length_offset + 4;

} // namespace

bool frame_guard::pass(const std::byte* data, size_t size) {
  while (size > 0 && refused_ == 0) {
    if (payload_left_ > 0) {
      auto skip = static_cast<size_t>(
        std::min<uint64_t>(payload_left_, static_cast<uint64_t>(size)));
      payload_left_ -= skip;
      data += skip;
      size -= skip;
      continue;
    }
    auto byte = std::to_integer<uint32_t>(*data);
    if (header_read_ >= length_offset && header_read_ < length_end)
      length_ = (length_ << 8) | byte;
    ++header_read_;
    ++data;
    --size;
    if (header_read_ < header_size)
      continue;
    if (length_ > max_payload_)
      refused_ = length_;
    payload_left_ = length_;
    header_read_ = 0;
    length_ = 0;
  }
  return refused_ == 0;
}

} // namespace snakepit
