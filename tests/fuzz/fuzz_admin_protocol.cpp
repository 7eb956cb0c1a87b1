// The admin socket protocol: the host's request parser and answer, and the
// CLI's reply parser. Whatever line arrives, the host answers one line that
// the client understands; the client's parser takes any line.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "admin/admin_protocol.hpp"
#include "fuzz_check.hpp"

namespace {

using nlohmann::json;

/// Stands in for the host's handler (which needs a running host): reads
/// fields the way it does, throws, or answers badly, as the op asks.
json handler(const json& request) {
  auto op = request.at("op").get<std::string>();
  if (op == "throw")
    throw std::runtime_error("handler failed");
  if (op == "no_ok")
    return json::array({request});
  auto pool = request.find("pool");
  if (pool != request.end() && !pool->is_string())
    throw std::invalid_argument("\"pool\" must be a string");
  return snakepit::admin::ok_reply({{"echo", request}});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace snakepit;
  std::string_view line{reinterpret_cast<const char*>(data), size};
  (void) admin::parse_reply(line);
  auto reply = admin::answer(line, handler);
  fuzz::require(!reply.empty() && reply.back() == '\n'
                  && reply.find('\n') == reply.size() - 1,
                "the answer is one line");
  auto parsed = admin::parse_reply(std::string_view{reply}.substr(
    0, reply.size() - 1));
  fuzz::require(std::holds_alternative<json>(parsed),
                "the client understands every answer");
  return 0;
}
