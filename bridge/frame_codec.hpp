#pragma once

/// The frames of the native transport (proto/native.proto): a 4-byte
/// big-endian length, then a serialized Envelope of that many bytes. Without
/// CAF and Asio, so that unit tests and the fuzzer drive it directly.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace snakepit::bridge {

class Envelope;

/// Bytes of a frame's length prefix.
inline constexpr std::size_t frame_header_bytes = 4;

/// The largest envelope a frame may carry whatever the configured bound:
/// protobuf parses at most 2 GiB - 1 bytes at once.
inline constexpr std::size_t frame_max_envelope_bytes = 0x7fffffff;

/// The whole frame of `envelope`: its length, then its bytes.
std::string encode_frame(const Envelope& envelope);

/// The size of the Envelope with `call_id` whose `execute` field holds an
/// encoded ExecuteToolRequest of `request_bytes` bytes (the frame's length).
std::size_t execute_envelope_bytes(uint64_t call_id,
                                   std::size_t request_bytes);

/// The start of the frame of that Envelope: the length, the `call_id` field
/// and the `execute` field's tag and length. The request's bytes follow it
/// unchanged (an embedded message is a length-delimited field on the wire),
/// so a scatter-gather write sends them without a copy. The envelope must
/// be at most `frame_max_envelope_bytes`.
std::string encode_execute_head(uint64_t call_id, std::size_t request_bytes);

/// What `frame_decoder::next` found.
enum class frame_status : uint8_t {
  /// A whole frame: its envelope was parsed into the caller's message.
  envelope,
  /// The buffered bytes end inside a frame: read more.
  need_more,
  /// The stream is broken (an oversized length or an envelope that does
  /// not parse; `frame_decoder::error` says which). The decoder is dead.
  broken,
};

/// Room at the end of the decoder's buffer for the next read.
struct read_room {
  char* data;
  std::size_t size;
};

/// Splits a byte stream into envelopes. The reader reads into the
/// decoder's own buffer (`room`, then `commit`), which is reused from read
/// to read and holds at most one frame's worth beyond what it has yet to
/// hand out: it never grows past `frame_header_bytes + max_message_bytes`,
/// and shrinks back once empty after a large frame. Frames may arrive split
/// at any byte and several in one read.
class frame_decoder {
public:
  /// A frame whose length exceeds `max_message_bytes` (clamped to
  /// `frame_max_envelope_bytes`) breaks the stream.
  explicit frame_decoder(std::size_t max_message_bytes);

  frame_decoder(const frame_decoder&) = delete;
  frame_decoder& operator=(const frame_decoder&) = delete;

  /// Where the next read goes. Call it once `next` answered `need_more`:
  /// the room then holds at least one byte (none once broken).
  read_room room();

  /// Takes the first `n` bytes of the last `room()` as read.
  void commit(std::size_t n);

  /// The next whole frame's envelope, parsed into `out` (a fresh message).
  frame_status next(Envelope& out);

  /// Why the stream broke; empty while it is not broken.
  const std::string& error() const {
    return error_;
  }

  /// Bytes read and not yet handed out (a frame begun but not whole).
  std::size_t buffered() const {
    return end_ - begin_;
  }

  /// Bytes the buffer occupies now.
  std::size_t capacity() const {
    return capacity_;
  }

private:
  /// The bytes of the frame at the buffer's start that must be buffered
  /// before it can be decoded (its header, or the whole frame).
  std::size_t bytes_needed() const;

  std::size_t max_message_bytes_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  /// Buffered bytes not yet decoded: [begin_, end_).
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::string error_;
};

} // namespace snakepit::bridge
