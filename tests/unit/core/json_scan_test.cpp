// The one-pass JSON scan: nesting bounded without recursion, brackets in
// strings ignored, the values of a top-level object cut out as they are.

#include "core/json_scan.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace snakepit;

namespace {

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

} // namespace

TEST_CASE("scan_json counts nesting up to the limit", "[json_scan]") {
  CHECK_FALSE(scan_json("1", 0).overflow);
  CHECK_FALSE(scan_json("{}", 1).overflow);
  CHECK(scan_json("{}", 0).overflow);
  CHECK_FALSE(scan_json(R"({"a": [1, {"b": []}]})", 4).overflow);
  auto deep = scan_json(R"({"a": [1, {"b": []}]})", 3);
  REQUIRE(deep.overflow);
  // The fourth level is the [] after "b".
  CHECK(deep.overflow->offset == 16);
  CHECK(deep.overflow->max_depth == 3);
  // Siblings do not add up.
  CHECK_FALSE(scan_json("[[], [], [[]]]", 3).overflow);
}

TEST_CASE("scan_json ignores brackets inside strings and escapes",
          "[json_scan]") {
  CHECK_FALSE(scan_json(R"({"[[[[": "{{{{"})", 1).overflow);
  // An escaped quote does not end the string; an escaped backslash does
  // not escape the quote that follows it.
  CHECK_FALSE(scan_json(R"(["\"[[[["])", 1).overflow);
  CHECK(scan_json(R"(["\\", [[]]])", 2).overflow);
  CHECK_FALSE(scan_json(R"(["\\", [[]]])", 3).overflow);
}

TEST_CASE("scan_json finds 100,000 levels without recursion",
          "[json_scan]") {
  auto text = nested(100000);
  auto scan = scan_json(text, 128);
  REQUIRE(scan.overflow);
  CHECK(scan.overflow->offset == 128);
  // The whole text, when allowed, is scanned just as well.
  CHECK_FALSE(scan_json(text, 100000).overflow);
}

TEST_CASE("scan_json cuts out the values of a top-level object",
          "[json_scan]") {
  auto scan = scan_json(
    R"( { "a" : 1 , "s": "x,}" ,"o":{"k":[true, null]},"e" : "" } )", 8);
  REQUIRE_FALSE(scan.overflow);
  REQUIRE(scan.member_values.size() == 4);
  CHECK(scan.member_values[0] == "1");
  CHECK(scan.member_values[1] == "\"x,}\"");
  CHECK(scan.member_values[2] == R"({"k":[true, null]})");
  CHECK(scan.member_values[3] == "\"\"");
  CHECK(scan_json("{}", 8).member_values.empty());
  CHECK(scan_json("[1, 2]", 8).member_values.empty());
  CHECK(scan_json(nested(200), 8).member_values.empty());
}
