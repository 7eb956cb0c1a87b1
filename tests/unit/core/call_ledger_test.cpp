#include "core/call_ledger.hpp"

#include <catch2/catch.hpp>

#include <string>

using snakepit::call_ledger;

TEST_CASE("call_ledger: each call is answered once, by its reply or by the "
          "link's failure",
          "[call_ledger]") {
  call_ledger<std::string> ledger;
  auto a = ledger.open("a");
  auto b = ledger.open("b");
  auto c = ledger.open("c");
  CHECK(a != b);
  CHECK(b != c);
  CHECK(ledger.size() == 3);
  // b's reply comes: answered once.
  CHECK(ledger.close(b) == std::optional<std::string>{"b"});
  CHECK_FALSE(ledger.close(b).has_value());
  // The link fails: the rest are answered, oldest first.
  CHECK(ledger.close_all() == std::vector<std::string>{"a", "c"});
  CHECK(ledger.size() == 0);
  // A reply arriving after the failure finds nothing to answer.
  CHECK_FALSE(ledger.close(a).has_value());
  CHECK_FALSE(ledger.close(c).has_value());
  // Ids are not reused after the failure.
  auto d = ledger.open("d");
  CHECK(d > c);
  CHECK(ledger.close(d) == std::optional<std::string>{"d"});
}

TEST_CASE("call_ledger: unknown ids close nothing", "[call_ledger]") {
  call_ledger<int> ledger;
  CHECK_FALSE(ledger.close(0).has_value());
  CHECK_FALSE(ledger.close(42).has_value());
  CHECK(ledger.close_all().empty());
}

TEST_CASE("call_ledger: close_if answers only the calls it matches",
          "[call_ledger]") {
  call_ledger<std::string> ledger;
  auto a = ledger.open("a1");
  ledger.open("b1");
  auto c = ledger.open("a2");
  // A group's member stopped: its calls, oldest first, with their ids.
  auto closed = ledger.close_if(
    [](const std::string& answer) { return answer[0] == 'a'; });
  REQUIRE(closed.size() == 2);
  CHECK(closed[0] == std::pair<uint64_t, std::string>{a, "a1"});
  CHECK(closed[1] == std::pair<uint64_t, std::string>{c, "a2"});
  CHECK(ledger.size() == 1);
  CHECK_FALSE(ledger.close(a).has_value());
  CHECK(ledger.close_all() == std::vector<std::string>{"b1"});
}
