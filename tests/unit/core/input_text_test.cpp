// Checks of request names and the quoting of user input in errors.

#include "core/input_text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace snakepit;

TEST_CASE("first_invalid_utf8 finds ill-formed sequences", "[input_text]") {
  CHECK(first_invalid_utf8("") == 0);
  CHECK(first_invalid_utf8("plain") == 5);
  CHECK(first_invalid_utf8("h\xc3\xa9llo \xf0\x9f\x90\x8d") == 11);
  CHECK(first_invalid_utf8("ab\xff") == 2);
  CHECK(first_invalid_utf8("a\xc3") == 1);            // cut short
  CHECK(first_invalid_utf8("\xc0\xaf") == 0);         // overlong '/'
  CHECK(first_invalid_utf8("\xe0\x80\xaf") == 0);     // overlong
  CHECK(first_invalid_utf8("x\xed\xa0\x80") == 1);    // surrogate
  CHECK(first_invalid_utf8("\xf4\x90\x80\x80") == 0); // past U+10FFFF
}

TEST_CASE("quote_prefix bounds and escapes what it quotes", "[input_text]") {
  CHECK(quote_prefix("add") == "\"add\"");
  CHECK(quote_prefix("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quote_prefix("a\nb\xff") == R"("a\x0ab\xff")");
  CHECK(quote_prefix("h\xc3\xa9") == "\"h\xc3\xa9\"");
  std::string big(5 * 1024 * 1024, 'x');
  auto quoted = quote_prefix(big, 8);
  CHECK(quoted == "\"xxxxxxxx\"... (5242880 bytes)");
  // A character is never cut in half.
  CHECK(quote_prefix("abc\xc3\xa9", 4) == "\"abc\"... (5 bytes)");
}

TEST_CASE("check_name names the field and what is wrong", "[input_text]") {
  name_rules rules{16, false, false};
  CHECK(check_name("command", "add", rules).empty());
  CHECK_THAT(check_name("command", "", rules),
             Catch::Equals("command must not be empty"));
  CHECK(check_name("pool", "", name_rules{16, true, false}).empty());
  CHECK_THAT(check_name("command", std::string(100000, 'a'), rules),
             Catch::StartsWith("command is 100000 bytes long, more than the "
                               "limit of 16: \"aaaa")
               && Catch::EndsWith("... (100000 bytes)"));
  CHECK_THAT(check_name("command", "ad\xff", rules),
             Catch::Equals(R"(command is not valid UTF-8 (byte 2): "ad\xff")"));
  CHECK_THAT(check_name("pool", "a\tb", rules),
             Catch::Equals(
               R"(pool contains a control character (byte 1): "a\x09b")"));
  CHECK(check_name("session_id", "a\tb", name_rules{16, true, true}).empty());
}
