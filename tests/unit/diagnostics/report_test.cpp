// Rendering a report: stable JSON and aligned, wrapped text; exit codes.

#include "diagnostics/report.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

#include "test_support.hpp"

using namespace snakepit::diagnostics;
using namespace snakepit::diagnostics::test;

namespace {

report sample() {
  report r;
  r.machine = machine_facts{2, 2, "Linux 6.1.0 x86_64", 4ull << 30};
  r.config_source = "snakepit.toml";
  finding a;
  a.name = "open_files";
  a.summary = "soft limit 1024 allows about 244 workers";
  a.add("soft_limit", int64_t{1024})
    .add("fds_per_worker", 4.25)
    .add("measured", true)
    .add("available_bytes", int64_t{3} << 30);
  a.advice = std::string(30, 'x') + " " + std::string(30, 'y') + " "
             + std::string(30, 'z');
  finding b;
  b.name = "python";
  b.status = status::warning;
  b.summary = "short";
  b.add("interpreter", std::string{"/usr/bin/python3"});
  b.advice = "line one\nline two";
  r.findings = {a, b};
  r.run_ids = {"0123456789ab"};
  r.seconds = 3.14159;
  return r;
}

} // namespace

TEST_CASE("render_json is one stable object", "[diagnostics][report]") {
  auto text = render_json(sample());
  auto doc = nlohmann::json::parse(text);
  CHECK(doc["status"] == "warning");
  CHECK(doc["config"] == "snakepit.toml");
  CHECK(doc["machine"]["cores"] == 2);
  CHECK(doc["machine"]["kernel"] == "Linux 6.1.0 x86_64");
  CHECK(doc["machine"]["memory_total_bytes"] == (4ull << 30));
  REQUIRE(doc["findings"].size() == 2);
  auto& a = doc["findings"][0];
  CHECK(a["name"] == "open_files");
  CHECK(a["status"] == "ok");
  CHECK(a["values"]["soft_limit"] == 1024);
  CHECK(a["values"]["fds_per_worker"] == 4.25);
  CHECK(a["values"]["measured"] == true);
  CHECK(doc["findings"][1]["values"]["interpreter"] == "/usr/bin/python3");
  CHECK(doc["run_ids"][0] == "0123456789ab");
  CHECK(doc["seconds"] == 3.142);
  // Same report, same bytes; keys in their fixed order.
  CHECK(render_json(sample()) == text);
  CHECK(text.find("\"machine\"") < text.find("\"findings\""));
  CHECK(text.find("\"soft_limit\"") < text.find("\"fds_per_worker\""));
}

TEST_CASE("render_text: one aligned block per finding",
          "[diagnostics][report]") {
  auto text = render_text(sample());
  CHECK(contains(text, "machine: 2 cores (2 usable), Linux 6.1.0 x86_64, "
                       "4 GiB memory"));
  CHECK(contains(text, "\nopen_files  ok        soft limit 1024"));
  CHECK(contains(text, "\npython      warning   short"));
  CHECK(contains(text, "    soft_limit       1024\n"));
  CHECK(contains(text, "    fds_per_worker   4.25\n"));
  CHECK(contains(text, "    measured         yes\n"));
  CHECK(contains(text, "    available_bytes  3221225472 (3 GiB)\n"));
  CHECK(contains(text, "advice: line one\n            line two\n"));
  CHECK(contains(text, "1 ok, 1 warning, 0 critical"));
  std::istringstream lines{text};
  std::string line;
  while (std::getline(lines, line)) {
    INFO(line);
    CHECK(line.size() <= 78);
  }
}

TEST_CASE("exit_code: 1 only with a critical finding",
          "[diagnostics][report]") {
  auto r = sample();
  CHECK(exit_code(r) == 0);
  r.findings[1].status = status::critical;
  CHECK(exit_code(r) == 1);
  CHECK(worst(r.findings) == status::critical);
  CHECK(worst({}) == status::ok);
}
