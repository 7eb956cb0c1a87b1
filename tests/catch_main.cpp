// The main of every Catch2 test executable. It adds one option to Catch's
// command line: `--transport native|grpc` sets SNAKEPIT_TEST_TRANSPORT,
// which the integration fixture reads (tests/integration/host_fixture.cpp),
// so that ctest runs the integration suite once per worker transport
// (snakepit_add_test's TRANSPORTS in tests/CMakeLists.txt).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

int main(int argc, char* argv[]) {
  Catch::Session session;
  std::string transport;
  session.cli(session.cli()
              | Catch::clara::Opt(transport, "native|grpc")["--transport"](
                "the worker transport of the integration fixture's pools"));
  if (auto rc = session.applyCommandLine(argc, argv); rc != 0)
    return rc;
  if (!transport.empty())
    ::setenv("SNAKEPIT_TEST_TRANSPORT", transport.c_str(), 1);
  return session.run();
}
