// The gRPC replies of a worker, decoded from bytes as the channel gets
// them: the first byte picks the message (ExecuteToolResponse or
// WorkerInfo), the rest is its wire encoding. A failed call always carries
// an error code; a successful one always carries JSON text.

#include <cstddef>
#include <cstdint>

#include "bridge.pb.h"
#include "bridge/worker_replies.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace snakepit;
  if (size == 0)
    return 0;
  const auto* bytes = data + 1;
  auto length = static_cast<int>(size - 1);
  if (data[0] % 2 == 0) {
    bridge::ExecuteToolResponse resp;
    if (!resp.ParseFromArray(bytes, length))
      return 0;
    auto result = bridge::from_execute_response(resp);
    if (resp.success())
      fuzz::require(result.error.code == error_code::none
                      && !result.result_json.empty(),
                    "a successful call carries a result");
    else
      fuzz::require(result.error.code != error_code::none
                      && result.result_json.empty(),
                    "a failed call carries an error code");
  } else {
    bridge::WorkerInfo info;
    if (!info.ParseFromArray(bytes, length))
      return 0;
    auto activity = bridge::from_worker_info(info);
    fuzz::require(activity.error.empty()
                    && activity.active_calls.size()
                         <= static_cast<size_t>(info.active_calls_size()),
                  "every reported call id comes from the reply");
  }
  return 0;
}
