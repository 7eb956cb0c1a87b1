// The worker's ready-file handshake: any bytes give a ready handshake with
// an address, or a failure with a message; never an exception.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "actors/ready_file.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace snakepit;
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto h = parse_ready_file(text, "fuzz-ready.json");
  if (h.ok())
    fuzz::require(!h.address.empty(), "a ready worker names its address");
  else
    fuzz::require(h.error.code == error_code::pool_failed
                    && !h.error.message.empty(),
                  "a failed handshake is pool_failed with a message");
  return 0;
}
