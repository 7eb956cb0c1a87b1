// Arguments: validation of the JSON object and its encoding on the wire,
// one Any of JSON bytes per key (Snakepit's convention).

#include <catch2/catch.hpp>

#include "bridge/json_values.hpp"

using namespace snakepit::bridge;

TEST_CASE("arguments must be a JSON object", "[json]") {
  CHECK(validate_arguments("").empty());
  CHECK(validate_arguments("{}").empty());
  CHECK(validate_arguments(R"({"a": [1, {"b": null}]})").empty());
  CHECK_THAT(validate_arguments("{not json"), Catch::Contains("not valid JSON"));
  CHECK_THAT(validate_arguments("[1, 2]"), Catch::Contains("got array"));
  CHECK_THAT(validate_arguments("42"), Catch::Contains("got number"));
  CHECK_THAT(validate_arguments(R"("text")"), Catch::Contains("got string"));
}

TEST_CASE("each key becomes an Any holding the value's JSON bytes",
          "[json]") {
  google::protobuf::Map<std::string, google::protobuf::Any> out;
  REQUIRE(encode_parameters(R"({"a": 1, "s": "x", "o": {"k": [true]}})", out)
            .empty());
  REQUIRE(out.size() == 3);
  CHECK(out["a"].value() == "1");
  CHECK(out["s"].value() == "\"x\"");
  CHECK(out["o"].value() == R"({"k":[true]})");
  CHECK(out["a"].type_url() == json_type_url);
}

TEST_CASE("bad arguments are not encoded", "[json]") {
  google::protobuf::Map<std::string, google::protobuf::Any> out;
  CHECK_FALSE(encode_parameters("[1]", out).empty());
  CHECK(out.empty());
  CHECK(encode_parameters("", out).empty());
  CHECK(out.empty());
}
