// The argument checks of a request (core/arguments) and the wire encoding
// of what they accept (bridge/json_values): accepted text is a JSON object
// nlohmann agrees with, and every argument reaches the encoded call
// byte for byte as one tagged Any.

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "bridge.pb.h"
#include "bridge/json_values.hpp"
#include "core/arguments.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace snakepit;
  if (size == 0)
    return 0;
  // The first byte picks the depth limit (1-64), the rest is the request's
  // arguments.
  int max_depth = 1 + data[0] % 64;
  std::string args{reinterpret_cast<const char*>(data + 1), size - 1};
  auto prepared = prepare_arguments(args, max_depth);
  if (auto* problem = std::get_if<std::string>(&prepared)) {
    fuzz::require(!problem->empty(), "a refusal says what is wrong");
    return 0;
  }
  auto& split = std::get<json_arguments>(prepared);
  // Empty text, or a byte order mark alone, is no arguments.
  if (!args.empty() && args != "\xEF\xBB\xBF") {
    auto parsed = nlohmann::json::parse(args, nullptr, false);
    fuzz::require(!parsed.is_discarded() && parsed.is_object(),
                  "accepted arguments are a JSON object");
    fuzz::require(split.size() >= parsed.size(),
                  "every key of the object is an argument");
  }
  bridge::ExecuteToolRequest req;
  fuzz::require(req.ParseFromString(bridge::encode_call("t", split, "")),
                "the encoded call decodes");
  for (const auto& arg : split) {
    auto i = req.parameters().find(arg.name);
    fuzz::require(i != req.parameters().end(), "each argument is encoded");
    fuzz::require(i->second.type_url() == bridge::json_type_url,
                  "each value is tagged JSON text");
    fuzz::require(nlohmann::json::accept(i->second.value()),
                  "each value is JSON text");
  }
  return 0;
}
