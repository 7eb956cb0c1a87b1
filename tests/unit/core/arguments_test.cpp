// Arguments: checked (depth first, then grammar) and split into one JSON
// text per top-level key; errors short whatever the input.

#include "core/arguments.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace snakepit;

namespace {

json_arguments split(const std::string& text, int max_depth = 128) {
  auto out = prepare_arguments(text, max_depth);
  if (auto* err = std::get_if<std::string>(&out))
    FAIL("unexpected error: " << *err);
  return std::get<json_arguments>(out);
}

std::string refusal(const std::string& text, int max_depth = 128) {
  auto out = prepare_arguments(text, max_depth);
  REQUIRE(std::holds_alternative<std::string>(out));
  return std::get<std::string>(out);
}

} // namespace

TEST_CASE("arguments are split into one JSON text per key", "[arguments]") {
  CHECK(split("").empty());
  CHECK(split("{}").empty());
  // A byte order mark is skipped (as nlohmann does): one alone is like "".
  CHECK(split("\xEF\xBB\xBF{}").empty());
  CHECK(split("\xEF\xBB\xBF").empty());
  auto args = split(R"({"a": 1, "s\"q": "x", "o": {"k": [true]}})");
  REQUIRE(args.size() == 3);
  CHECK(args[0].name == "a");
  CHECK(args[0].json == "1");
  // Keys are unescaped; values stay as they were written.
  CHECK(args[1].name == "s\"q");
  CHECK(args[1].json == "\"x\"");
  CHECK(args[2].name == "o");
  CHECK(args[2].json == R"({"k": [true]})");
}

TEST_CASE("arguments must be a JSON object", "[arguments]") {
  CHECK_THAT(refusal("[1, 2]"), Catch::EndsWith("got array"));
  CHECK_THAT(refusal("42"), Catch::EndsWith("got number"));
  CHECK_THAT(refusal(R"("text")"), Catch::EndsWith("got string"));
  CHECK_THAT(refusal("null"), Catch::EndsWith("got null"));
  CHECK_THAT(refusal("{not json"),
             Catch::StartsWith("arguments are not valid JSON (byte ")
               && Catch::EndsWith("they start with \"{not json\""));
  // Strings must be UTF-8 (the worker decodes them as such).
  CHECK_THAT(refusal("{\"a\": \"\xff\"}"),
             Catch::Contains("not valid JSON"));
}

TEST_CASE("deep arguments are refused before anything parses them",
          "[arguments]") {
  // 100,000 levels (about 200 KB) crashed the host's recursive serializer.
  std::string deep = "{\"a\": " + std::string(100000, '[')
                     + std::string(100000, ']') + "}";
  auto why = refusal(deep);
  CHECK_THAT(why, Catch::StartsWith("arguments nest deeper than 128 levels "
                                    "(max_json_depth) at byte 133;"));
  CHECK(why.size() < 300);
  CHECK(split("{\"a\": [[1]]}", 3).size() == 1);
  CHECK_THAT(refusal("{\"a\": [[1]]}", 2), Catch::Contains("byte 7"));
}

TEST_CASE("errors quote a short prefix of a large input", "[arguments]") {
  // 5 MB of invalid JSON once gave a 5 MB error message.
  std::string big = "{\"a\": \"" + std::string(5 * 1024 * 1024, 'x') + "\", }";
  auto why = refusal(big);
  CHECK(why.size() < 400);
  CHECK_THAT(why, Catch::Contains("... (5242891 bytes)"));
}
