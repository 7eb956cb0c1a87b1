// Arguments on the wire: one Any of JSON bytes per key (Snakepit's
// convention), and the bound of a call's encoded size.

#include <catch2/catch.hpp>

#include "bridge/json_values.hpp"
#include "bridge.pb.h"

using namespace snakepit;
using namespace snakepit::bridge;

TEST_CASE("each argument becomes an Any holding its JSON bytes", "[json]") {
  google::protobuf::Map<std::string, google::protobuf::Any> out;
  encode_parameters({{"a", "1"}, {"s", "\"x\""}, {"o", R"({"k":[true]})"}},
                    out);
  REQUIRE(out.size() == 3);
  CHECK(out["a"].value() == "1");
  CHECK(out["s"].value() == "\"x\"");
  CHECK(out["o"].value() == R"({"k":[true]})");
  CHECK(out["a"].type_url() == json_type_url);
}

TEST_CASE("encoded_call_size bounds the size of the encoded request",
          "[json]") {
  json_arguments args{{"a", "1"},
                      {"text", "\"" + std::string(100000, 'x') + "\""}};
  for (int i = 0; i < 100; ++i)
    args.push_back({"k" + std::to_string(i), std::to_string(i)});
  snakepit::bridge::ExecuteToolRequest req;
  req.set_tool_name("echo");
  req.set_session_id("session-1");
  (*req.mutable_metadata())["snakepit.call_id"]
    = std::to_string(UINT64_MAX);
  encode_parameters(args, *req.mutable_parameters());
  auto bound = encoded_call_size(args, "echo", "session-1");
  CHECK(bound >= req.ByteSizeLong());
  // ... and not by much: framing, not a multiple.
  CHECK(bound < req.ByteSizeLong() + 8 * 1024);
}
