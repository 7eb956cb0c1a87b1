#include "bridge/frame_codec.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <cstring>

#include "native.pb.h"

namespace snakepit::bridge {

namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

/// The buffer's size for small frames: many replies fit one read.
constexpr std::size_t initial_buffer_bytes = 64 * 1024;

void write_length(char* out, std::size_t length) {
  auto n = static_cast<uint32_t>(length);
  out[0] = static_cast<char>(n >> 24);
  out[1] = static_cast<char>(n >> 16);
  out[2] = static_cast<char>(n >> 8);
  out[3] = static_cast<char>(n);
}

std::size_t read_length(const char* in) {
  auto byte = [in](int i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(in[i]));
  };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

/// Bytes of the `call_id` field (absent when 0, as protobuf writes it).
std::size_t call_id_field_bytes(uint64_t call_id) {
  return call_id == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(call_id);
}

/// Bytes of the `execute` field's tag and length.
std::size_t execute_key_bytes(std::size_t request_bytes) {
  return 1 + CodedOutputStream::VarintSize64(request_bytes);
}

} // namespace

std::string encode_frame(const Envelope& envelope) {
  auto size = envelope.ByteSizeLong();
  std::string out(frame_header_bytes + size, '\0');
  write_length(out.data(), size);
  envelope.SerializeWithCachedSizesToArray(
    reinterpret_cast<uint8_t*>(out.data() + frame_header_bytes));
  return out;
}

std::size_t execute_envelope_bytes(uint64_t call_id,
                                   std::size_t request_bytes) {
  return call_id_field_bytes(call_id) + execute_key_bytes(request_bytes)
         + request_bytes;
}

std::string encode_execute_head(uint64_t call_id, std::size_t request_bytes) {
  std::string head(frame_header_bytes + call_id_field_bytes(call_id)
                     + execute_key_bytes(request_bytes),
                   '\0');
  write_length(head.data(), execute_envelope_bytes(call_id, request_bytes));
  auto* out = reinterpret_cast<uint8_t*>(head.data() + frame_header_bytes);
  if (call_id != 0) {
    *out++ = static_cast<uint8_t>(WireFormatLite::MakeTag(
      Envelope::kCallIdFieldNumber, WireFormatLite::WIRETYPE_VARINT));
    out = CodedOutputStream::WriteVarint64ToArray(call_id, out);
  }
  *out++ = static_cast<uint8_t>(
    WireFormatLite::MakeTag(Envelope::kExecuteFieldNumber,
                            WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  CodedOutputStream::WriteVarint64ToArray(request_bytes, out);
  return head;
}

frame_decoder::frame_decoder(std::size_t max_message_bytes)
  : max_message_bytes_(std::min(max_message_bytes, frame_max_envelope_bytes)) {
  // nop
}

std::size_t frame_decoder::bytes_needed() const {
  if (end_ - begin_ < frame_header_bytes)
    return frame_header_bytes;
  auto length = read_length(buffer_.get() + begin_);
  return frame_header_bytes + std::min(length, max_message_bytes_);
}

read_room frame_decoder::room() {
  if (!error_.empty())
    return {nullptr, 0};
  auto limit = frame_header_bytes + max_message_bytes_;
  auto small = std::min(initial_buffer_bytes, limit);
  if (begin_ == end_) {
    begin_ = end_ = 0;
    // Gives back what a large frame took.
    if (capacity_ > small) {
      buffer_.reset();
      capacity_ = 0;
    }
  }
  auto needed = bytes_needed();
  auto buffered = end_ - begin_;
  if (capacity_ < needed || capacity_ == 0) {
    auto size = std::max(needed, small);
    // Not value-initialized: a large frame's buffer is not zeroed first.
    std::unique_ptr<char[]> grown{new char[size]};
    if (buffered > 0)
      std::memcpy(grown.get(), buffer_.get() + begin_, buffered);
    buffer_ = std::move(grown);
    capacity_ = size;
    begin_ = 0;
    end_ = buffered;
  } else if (capacity_ - begin_ < needed || end_ == capacity_) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, buffered);
    begin_ = 0;
    end_ = buffered;
  }
  return {buffer_.get() + end_, capacity_ - end_};
}

void frame_decoder::commit(std::size_t n) {
  end_ = std::min(end_ + n, capacity_);
}

frame_status frame_decoder::next(Envelope& out) {
  if (!error_.empty())
    return frame_status::broken;
  auto buffered = end_ - begin_;
  if (buffered < frame_header_bytes)
    return frame_status::need_more;
  auto length = read_length(buffer_.get() + begin_);
  if (length > max_message_bytes_) {
    error_ = "a frame of " + std::to_string(length)
             + " bytes, over the limit of "
             + std::to_string(max_message_bytes_) + " bytes";
    return frame_status::broken;
  }
  if (buffered < frame_header_bytes + length)
    return frame_status::need_more;
  const char* envelope = buffer_.get() + begin_ + frame_header_bytes;
  begin_ += frame_header_bytes + length;
  if (!out.ParseFromArray(envelope, static_cast<int>(length))) {
    error_ = "a frame of " + std::to_string(length)
             + " bytes that is no Envelope";
    return frame_status::broken;
  }
  return frame_status::envelope;
}

} // namespace snakepit::bridge
