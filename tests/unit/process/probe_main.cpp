// process_host_probe: a host that the die-with-host test SIGKILLs. Spawns
// `/bin/sleep 1000` (or argv[1..]) with a process_host, prints
// "child <pid>" on stdout, then waits forever.

#include "process/process_host.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <future>

#include <unistd.h>

int main(int argc, char** argv) {
  using namespace snakepit::process;
  spdlog::set_default_logger(spdlog::stderr_logger_mt("probe"));
  spdlog::set_level(spdlog::level::warn);
  launch_spec spec{"/bin/sleep", {"1000"}, {}, "probe"};
  if (argc > 1)
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
