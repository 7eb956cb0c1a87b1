#include "core/suggest.hpp"

#include <catch2/catch.hpp>

using namespace snakepit;

TEST_CASE("edit_distance counts single-character edits", "[suggest]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("size", "size") == 0);
  CHECK(edit_distance("sise", "size") == 1);
  CHECK(edit_distance("siz", "size") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("closest_match suggests only plausible typos", "[suggest]") {
  std::vector<std::string_view> keys{"size", "name", "queue_timeout",
                                     "request_timeout"};
  CHECK(closest_match("sise", keys) == std::string_view{"size"});
  CHECK(closest_match("queue_timout", keys)
        == std::string_view{"queue_timeout"});
  CHECK(closest_match("requst_timeot", keys)
        == std::string_view{"request_timeout"});
  CHECK_FALSE(closest_match("color", keys).has_value());
  CHECK_FALSE(closest_match("zz", keys).has_value());
  CHECK_FALSE(closest_match("size", {}).has_value());
}
