// The main of every Catch2 test executable. It adds two options to Catch's
// command line, which the integration fixture reads
// (tests/integration/host_fixture.cpp) through the environment:
// `--transport native|grpc` sets SNAKEPIT_TEST_TRANSPORT, so that ctest runs
// the integration suite once per worker transport (snakepit_add_test's
// TRANSPORTS in tests/CMakeLists.txt); `--python PATH` sets
// SNAKEPIT_TEST_PYTHON, the interpreter of the fixture's pools, where
// `free-threaded` stands for $SNAKEPIT_FREE_THREADED_PYTHON (which
// scripts/test.sh exports) or the default prefix of
// scripts/free-threaded-python.sh.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

#include <unistd.h>

namespace {

/// The interpreter `--python free-threaded` names; empty if none is there.
std::string free_threaded_python() {
  if (const char* path = std::getenv("SNAKEPIT_FREE_THREADED_PYTHON"))
    return path;
  std::string fallback = "/opt/snakepit/python3.13t/bin/python3.13t";
  return ::access(fallback.c_str(), X_OK) == 0 ? fallback : std::string{};
}

} // namespace

int main(int argc, char* argv[]) {
  Catch::Session session;
  std::string transport;
  std::string python;
  session.cli(session.cli()
              | Catch::clara::Opt(transport, "native|grpc")["--transport"](
                "the worker transport of the integration fixture's pools")
              | Catch::clara::Opt(python, "path|free-threaded")["--python"](
                "the interpreter of the integration fixture's pools"));
  if (auto rc = session.applyCommandLine(argc, argv); rc != 0)
    return rc;
  if (!transport.empty())
    ::setenv("SNAKEPIT_TEST_TRANSPORT", transport.c_str(), 1);
  if (python == "free-threaded") {
    python = free_threaded_python();
    if (python.empty()) {
      std::cerr << "--python free-threaded: no free-threaded interpreter "
                   "(run scripts/free-threaded-python.sh)\n";
      return 2;
    }
  }
  if (!python.empty())
    ::setenv("SNAKEPIT_TEST_PYTHON", python.c_str(), 1);
  return session.run();
}
