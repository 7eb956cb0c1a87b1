// The JSON argument checks of a request: the check and the encoder agree,
// and every key of accepted arguments arrives as one Any.

#include <cstddef>
#include <cstdint>
#include <string>

#include "bridge/json_values.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace snakepit;
  std::string args{reinterpret_cast<const char*>(data), size};
  auto problem = bridge::validate_arguments(args);
  google::protobuf::Map<std::string, google::protobuf::Any> out;
  auto encode_problem = bridge::encode_parameters(args, out);
  fuzz::require(problem == encode_problem,
                "validate_arguments and encode_parameters agree");
  if (!problem.empty()) {
    fuzz::require(out.empty(), "rejected arguments encode nothing");
    return 0;
  }
  for (const auto& [key, any] : out)
    fuzz::require(any.type_url() == bridge::json_type_url
                    && !any.value().empty(),
                  "each value is tagged JSON text");
  return 0;
}
