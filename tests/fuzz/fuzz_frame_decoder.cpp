// The native transport's byte stream from a worker, as the host's decoder
// reads it: the first byte picks the read size (1 to 256 bytes), the rest is
// the stream, with a bound of 1024 bytes per envelope. The decoder never
// crashes nor outgrows its bound, and how the stream is cut into reads
// never changes what it yields.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "bridge/frame_codec.hpp"
#include "fuzz_check.hpp"
#include "native.pb.h"

namespace {

using namespace snakepit;

constexpr std::size_t bound = 1024;

/// `m`'s bytes with map entries in key order: the default order follows
/// each map's hash seed, which differs between two parses of the same bytes.
std::string canonical_bytes(const google::protobuf::MessageLite& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream{&out};
    google::protobuf::io::CodedOutputStream coded{&stream};
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

/// What a stream decodes to: each envelope's bytes, and whether it broke.
struct decoded {
  std::vector<std::string> envelopes;
  bool broken = false;
};

decoded decode(const uint8_t* data, std::size_t size, std::size_t chunk) {
  bridge::frame_decoder decoder{bound};
  decoded out;
  while (size > 0 && !out.broken) {
    auto room = decoder.room();
    fuzz::require(room.size > 0, "a live decoder has room to read into");
    auto n = std::min({room.size, chunk, size});
    std::memcpy(room.data, data, n);
    decoder.commit(n);
    data += n;
    size -= n;
    fuzz::require(decoder.capacity() <= bound + bridge::frame_header_bytes,
                  "the buffer stays within the bound");
    for (;;) {
      bridge::Envelope envelope;
      auto status = decoder.next(envelope);
      if (status == bridge::frame_status::need_more)
        break;
      if (status == bridge::frame_status::broken) {
        fuzz::require(!decoder.error().empty(), "a broken stream says why");
        fuzz::require(decoder.room().size == 0, "a broken decoder is dead");
        out.broken = true;
        break;
      }
      out.envelopes.push_back(canonical_bytes(envelope));
    }
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::size_t chunk = std::size_t{data[0]} + 1;
  auto in_reads = decode(data + 1, size - 1, chunk);
  auto at_once = decode(data + 1, size - 1, size);
  fuzz::require(in_reads.broken == at_once.broken
                  && in_reads.envelopes == at_once.envelopes,
                "the reads' sizes do not change what the stream yields");
  return 0;
}
