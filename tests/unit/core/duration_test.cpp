#include "core/duration.hpp"

#include <catch2/catch.hpp>

using namespace snakepit;
using std::chrono::milliseconds;

TEST_CASE("parse_duration reads every unit", "[duration]") {
  CHECK(parse_duration("500ms") == milliseconds{500});
  CHECK(parse_duration("30s") == milliseconds{30'000});
  CHECK(parse_duration("2m") == milliseconds{120'000});
  CHECK(parse_duration("1h") == milliseconds{3'600'000});
  CHECK(parse_duration("0s") == milliseconds{0});
  CHECK(parse_duration("0ms") == milliseconds{0});
}

TEST_CASE("parse_duration reads decimals and compounds", "[duration]") {
  CHECK(parse_duration("1.5s") == milliseconds{1'500});
  CHECK(parse_duration("0.25m") == milliseconds{15'000});
  CHECK(parse_duration("1.000s") == milliseconds{1'000});
  CHECK(parse_duration("1m30s") == milliseconds{90'000});
  CHECK(parse_duration("1h0m5s250ms") == milliseconds{3'605'250});
}

TEST_CASE("parse_duration rejects malformed text", "[duration]") {
  for (auto bad : {"", "30", "s", "-5s", "+5s", "5x", "5 s", " 5s", "5s ",
                   "5S", "1.s", ".5s", "1..5s", "1.5ms", "30s1m", "1s1s",
                   "5sec", "infinite", "1e3ms", "99999999999999999999s"}) {
    INFO("input: \"" << bad << "\"");
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("parse_duration accepts infinity only when allowed",
          "[duration]") {
  CHECK_FALSE(parse_duration("infinity").has_value());
  CHECK(parse_duration("infinity", true) == milliseconds::max());
}

TEST_CASE("format_duration is readable", "[duration]") {
  CHECK(format_duration(milliseconds{0}) == "0s");
  CHECK(format_duration(milliseconds{500}) == "500ms");
  CHECK(format_duration(milliseconds{30'000}) == "30s");
  CHECK(format_duration(milliseconds{1'500}) == "1.5s");
  CHECK(format_duration(milliseconds{1'005}) == "1.005s");
  CHECK(format_duration(milliseconds{90'000}) == "1m30s");
  CHECK(format_duration(milliseconds{3'600'000}) == "1h");
  CHECK(format_duration(milliseconds{3'660'000}) == "1h1m");
  CHECK(format_duration(milliseconds{-250}) == "-250ms");
  CHECK(format_duration(milliseconds::max()) == "infinity");
}

TEST_CASE("format_duration output parses back", "[duration]") {
  for (long long n : {0LL, 1LL, 999LL, 1'000LL, 1'001LL, 59'999LL, 60'000LL,
                      61'500LL, 3'599'999LL, 3'600'000LL, 86'400'123LL}) {
    milliseconds d{n};
    INFO(format_duration(d));
    CHECK(parse_duration(format_duration(d)) == d);
  }
  CHECK(parse_duration(format_duration(milliseconds::max()), true)
        == milliseconds::max());
}
