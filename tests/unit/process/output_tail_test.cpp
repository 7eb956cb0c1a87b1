#include "process/output_tail.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace snakepit::process;

namespace {

struct collected {
  std::vector<std::string> lines;
  line_splitter::line_handler handler() {
    return [this](std::string_view line) { lines.emplace_back(line); };
  }
};

} // namespace

TEST_CASE("line_splitter joins chunks and splits lines", "[output_tail]") {
  line_splitter split;
  collected out;
  split.feed("one\ntw", out.handler());
  CHECK(out.lines == std::vector<std::string>{"one"});
  split.feed("o\r\n\nthree", out.handler());
  CHECK(out.lines == std::vector<std::string>{"one", "two", ""});
  split.finish(out.handler());
  CHECK(out.lines == std::vector<std::string>{"one", "two", "", "three"});
  split.finish(out.handler());
  CHECK(out.lines.size() == 4);
}

TEST_CASE("line_splitter cuts overlong lines", "[output_tail]") {
  line_splitter split{4};
  collected out;
  split.feed("abcdefghij\nxy", out.handler());
  CHECK(out.lines == std::vector<std::string>{"abcd", "efgh", "ij"});
  split.feed("zw\n", out.handler());
  CHECK(out.lines.back() == "xyzw");
}

TEST_CASE("output_tail keeps the last lines within its caps",
          "[output_tail]") {
  output_tail by_lines{3, 1000};
  for (auto line : {"a", "b", "c", "d"})
    by_lines.add(line);
  CHECK(by_lines.text() == "b\nc\nd\n");
  output_tail by_bytes{10, 5};
  by_bytes.add("abc");
  by_bytes.add("de");
  CHECK(by_bytes.text() == "abc\nde\n");
  by_bytes.add("f");
  CHECK(by_bytes.text() == "de\nf\n");
  by_bytes.add("0123456789");
  CHECK(by_bytes.text() == "56789\n");
  CHECK(output_tail{}.text().empty());
}
