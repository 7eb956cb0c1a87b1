// A tool call on the wire: one Any of JSON bytes per argument (Snakepit's
// convention), encoded once; the call id appended later merges into it.

#include <catch2/catch.hpp>

#include "bridge.pb.h"
#include "bridge/json_values.hpp"

using namespace snakepit;
using namespace snakepit::bridge;

TEST_CASE("each argument becomes an Any holding its JSON bytes", "[json]") {
  ExecuteToolRequest req;
  REQUIRE(req.ParseFromString(
    encode_call("echo", {{"a", "1"}, {"s", "\"x\""}, {"o", R"({"k":[true]})"}},
                "session-1")));
  CHECK(req.tool_name() == "echo");
  CHECK(req.session_id() == "session-1");
  auto& params = *req.mutable_parameters();
  REQUIRE(params.size() == 3);
  CHECK(params["a"].value() == "1");
  CHECK(params["s"].value() == "\"x\"");
  CHECK(params["o"].value() == R"({"k":[true]})");
  CHECK(params["a"].type_url() == json_type_url);
  CHECK(req.metadata().empty());
}

TEST_CASE("binary arguments travel raw in binary_parameters", "[json]") {
  ExecuteToolRequest req;
  REQUIRE(req.ParseFromString(encode_call(
    "xor_bytes", {{"key", "1"}}, "",
    {{"data", to_bytes(std::string_view{"\0\xff", 2})}, {"empty", {}}})));
  REQUIRE(req.binary_parameters().size() == 2);
  CHECK(req.binary_parameters().at("data") == std::string{"\0\xff", 2});
  CHECK(req.binary_parameters().at("empty").empty());
  CHECK(req.parameters().at("key").value() == "1");
}

TEST_CASE("the call id appended to an encoded call merges into it",
          "[json]") {
  auto call = encode_call("ping", {}, "");
  auto id = encode_call_id(UINT64_MAX);
  CHECK(id.size() <= call_id_bytes);
  ExecuteToolRequest req;
  REQUIRE(req.ParseFromString(call + id));
  CHECK(req.tool_name() == "ping");
  CHECK(req.metadata().at(call_id_key) == std::to_string(UINT64_MAX));
}
