#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <pthread.h>

#include "commands.hpp"
#include "cli_support.hpp"

namespace snakepit::cli {

int run_command(const common_options& opts) {
  auto cfg = prepare(opts.config_path, opts.log_level);
  if (!cfg)
    return 2;
  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and this one alone receives them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto started = snakepit::host::start(*cfg);
  if (!started) {
    std::cerr << started.error().message << '\n';
    return 2;
  }
  auto& host = **started;
  int failed = 0;
  for (const auto& status : host.await_ready()) {
    if (status.failed.code != error_code::none)
      ++failed;
    spdlog::info("{}", describe_pool(status));
  }
  if (failed == 0)
    spdlog::info("serving {} pool(s); press Ctrl-C to stop",
                 host.config().pools.size());
  else
    spdlog::error("{} pool(s) failed to start; serving the others", failed);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  host.stop();
  spdlog::info("stopped");
  return failed == 0 ? 0 : 1;
}

} // namespace snakepit::cli
