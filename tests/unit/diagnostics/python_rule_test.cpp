// The interpreter rule on made-up probe answers, the probe's output parser,
// and the probe itself on programs that are not Python.

#include "diagnostics/python_probe.hpp"
#include "diagnostics/python_rule.hpp"

#include "test_support.hpp"

using namespace snakepit::diagnostics;
using namespace snakepit::diagnostics::test;

namespace {

/// Where an installed host would find the package.
const std::string package_dir = "/opt/sp/share/snakepit/python";

const char* const good_answer =
  R"({"version": "3.11.2", "implementation": "cpython", )"
  R"("executable": "/usr/bin/python3", "free_threaded_build": false, )"
  R"("gil_enabled": true, "bridge_found": true, "grpc": true, )"
  R"("grpc_version": "1.51.1", "grpc_error": "", "protobuf": true, )"
  R"("protobuf_version": "3.21.12", "protobuf_error": ""})";

python_facts parsed(const std::string& out) {
  python_facts f;
  f.interpreter = "/usr/bin/python3";
  f.pools = {"default", "io"};
  parse_probe_output(out, f);
  return f;
}

} // namespace

TEST_CASE("parse_probe_output reads the last line's JSON",
          "[diagnostics][python]") {
  auto f = parsed(std::string{"noise from a sitecustomize\n"} + good_answer
                  + "\n\n");
  CHECK(f.error.empty());
  CHECK(f.version == "3.11.2");
  CHECK(f.implementation == "cpython");
  CHECK(f.executable == "/usr/bin/python3");
  CHECK(f.grpc);
  CHECK(f.grpc_version == "1.51.1");
  CHECK(f.protobuf_version == "3.21.12");
  CHECK(f.bridge_found);
  CHECK_FALSE(f.free_threaded_build);
  CHECK(f.gil_enabled);

  CHECK(parsed("").error == "printed nothing");
  CHECK(contains(parsed("Python 2.7.18\n").error, "printed no JSON"));
  CHECK(contains(parsed("[1, 2]").error, "printed no JSON"));
}

TEST_CASE("python: ok names the versions and explains the GIL",
          "[diagnostics][python]") {
  auto facts = parsed(good_answer);
  auto f = check_python(facts, package_dir);
  CHECK(f.name == "python");
  CHECK(f.status == status::ok);
  CHECK(contains(f.summary, "3.11.2"));
  CHECK(contains(f.summary, "grpc 1.51.1"));
  CHECK(contains(f.summary, "GIL enabled"));
  CHECK(contains(f.advice, "one request at a time"));

  facts.thread_pools = true;
  auto thread = check_python(facts, package_dir);
  CHECK(contains(thread.advice, "one at a time"));
  CHECK(contains(thread.advice, "docs/profiles.md"));

  facts.free_threaded_build = true;
  facts.gil_enabled = false;
  auto free = check_python(facts, package_dir);
  CHECK(free.status == status::ok);
  CHECK(contains(free.advice, "in parallel"));
  CHECK(contains(free.advice, "thread-safe"));

  facts.gil_enabled = true;
  CHECK(contains(check_python(facts, package_dir).advice,
                 "re-enabled"));
}

TEST_CASE("python: critical without grpc, protobuf or the bridge",
          "[diagnostics][python]") {
  auto facts = parsed(good_answer);
  facts.grpc = false;
  facts.grpc_error = "ModuleNotFoundError: No module named 'grpc'";
  auto nogrpc = check_python(facts, package_dir);
  CHECK(nogrpc.status == status::critical);
  CHECK(contains(nogrpc.summary, "cannot import grpc"));
  CHECK(contains(nogrpc.summary, "No module named 'grpc'"));
  CHECK(contains(nogrpc.advice, "apt-get install python3-grpcio "
                                "python3-protobuf"));
  CHECK(contains(nogrpc.advice, "`python` key"));

  facts = parsed(good_answer);
  facts.protobuf = false;
  CHECK(check_python(facts, package_dir).status == status::critical);

  facts = parsed(good_answer);
  facts.bridge_found = false;
  auto nobridge = check_python(facts, package_dir);
  CHECK(nobridge.status == status::critical);
  CHECK(contains(nobridge.advice, package_dir));
  CHECK(contains(nobridge.advice, "SNAKEPIT_PYTHON_PATH"));
}

TEST_CASE("python: an interpreter that does not answer is critical",
          "[diagnostics][python]") {
  python_facts facts;
  facts.interpreter = "/bin/false";
  facts.pools = {"default"};
  facts.error = "exited with code 1";
  auto f = check_python(facts, package_dir);
  CHECK(f.status == status::critical);
  CHECK(contains(f.summary, "/bin/false cannot run workers"));
  CHECK(contains(f.advice, "apt-get install"));
}

TEST_CASE("probe_python of programs that are not Python",
          "[diagnostics][python]") {
  python_facts missing;
  missing.interpreter = "/nonexistent/python3";
  probe_python(missing, {}, package_dir);
  CHECK(contains(missing.error, "cannot start '/nonexistent/python3'"));

  python_facts fails;
  fails.interpreter = "/bin/false";
  probe_python(fails, {}, package_dir);
  CHECK(fails.error == "exited with code 1");

  // echo prints its arguments: "-c <script>", not JSON.
  python_facts echo;
  echo.interpreter = "/bin/echo";
  probe_python(echo, {}, package_dir);
  CHECK(contains(echo.error, "printed no JSON"));
}
