// process_host_probe: a host that the die-with-host test SIGKILLs. Spawns
// `/bin/sleep 1000` (or argv[1..]) with a process_host, prints
// "child <pid>" on stdout, then waits forever. With `--forked PYTHON
// PYTHON_DIR DIR` the child is a showcase worker forked by a fork server
// (tests/unit/process/fork_specs.hpp).

#include "process/process_host.hpp"

#include "tests/unit/process/fork_specs.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <future>
#include <string>

#include <unistd.h>

int main(int argc, char** argv) {
  using namespace snakepit::process;
  spdlog::set_default_logger(spdlog::stderr_logger_mt("probe"));
  spdlog::set_level(spdlog::level::warn);
  launch_spec spec{"/bin/sleep", {"1000"}, {}, "probe"};
  if (argc == 5 && std::string{argv[1]} == "--forked")
    spec = test::forked_worker(
      test::fork_server_of(argv[2], argv[3],
                           "snakepit_bridge.adapters.showcase.ShowcaseAdapter"),
      argv[4], "probe");
  else if (argc > 1)
    spec = launch_spec{argv[1], {argv + 2, argv + argc}, {}, "probe"};
  process_host host;
  std::promise<std::variant<started, std::string>> result;
  host.spawn(
    spec, [&](std::variant<started, std::string> r) { result.set_value(r); },
    nullptr);
  auto r = result.get_future().get();
  if (auto* error = std::get_if<std::string>(&r)) {
    std::fprintf(stderr, "%s\n", error->c_str());
    return 1;
  }
  std::printf("child %d\n", std::get<started>(r).pid);
  std::fflush(stdout);
  for (;;)
    ::pause();
}
