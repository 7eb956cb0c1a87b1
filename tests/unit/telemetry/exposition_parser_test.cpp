// The test-only exposition parser must reject what Prometheus would reject,
// or the other tests prove nothing.

#include <catch2/catch.hpp>

#include "exposition_parser.hpp"

TEST_CASE("the parser accepts well-formed text", "[telemetry][parser]") {
  auto doc = exposition::parse(
    "# HELP a_total Things.\n"
    "# TYPE a_total counter\n"
    "a_total{x=\"q\\\"\\\\\\n\"} 3\n"
    "# TYPE h histogram\n"
    "h_bucket{le=\"0.1\"} 1\n"
    "h_bucket{le=\"+Inf\"} 2\n"
    "h_sum 0.5\n"
    "h_count 2\n"
    "# a comment\n"
    "# TYPE g gauge\n"
    "g 1e-05 1700000000000\n");
  INFO(doc.error_text());
  CHECK(doc.ok());
  CHECK(doc.value("a_total", {{"x", "q\"\\\n"}}) == 3);
  CHECK(doc.value("h_count") == 2);
  CHECK(doc.value("g") == Approx(1e-05));
}

TEST_CASE("the parser rejects malformed text", "[telemetry][parser]") {
  auto bad = [](const char* text) {
    auto doc = exposition::parse(text);
    INFO(text);
    CHECK_FALSE(doc.ok());
  };
  bad("a 1\n");                                  // no TYPE
  bad("# TYPE a gauge\na 1");                    // no final newline
  bad("# TYPE a gauge\na{x=\"1} 1\n");           // unterminated value
  bad("# TYPE a gauge\na{x=\"\\t\"} 1\n");       // bad escape
  bad("# TYPE a gauge\na{1x=\"1\"} 1\n");        // bad label name
  bad("# TYPE a gauge\na one\n");                // bad value
  bad("# TYPE a gauge\na  1\n");                 // two spaces
  bad("# TYPE a gauge\na 1\na 2\n");             // duplicate series
  bad("# TYPE a gauge\n\na 1\n");                // empty line
  bad("# TYPE a counter\na 1\n");                // counter without _total
  bad("# TYPE a gauge\n# TYPE a gauge\na 1\n");  // TYPE twice
  bad("# TYPE a wat\na 1\n");                    // unknown type
  bad("# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"1\"} 1\n"); // split
  bad("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
      "h_sum 1\nh_count 1\n");                   // not cumulative
  bad("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n");
  bad("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n");
}
