#pragma once

/// The subcommands of the `snakepit` tool. Each returns the process exit
/// code: 0 success, 1 a request or pool failed, 2 bad usage or config.

#include <chrono>
#include <string>

namespace snakepit::cli {

/// Options shared by every subcommand.
struct common_options {
  std::string config_path;
  /// Empty: the config's log_level.
  std::string log_level;
};

/// `snakepit run`: start the pools and serve until SIGINT/SIGTERM.
int run_command(const common_options& opts);

/// Options of `snakepit exec`.
struct exec_options {
  std::string pool;
  std::string timeout;
  std::string command;
  std::string args_json = "{}";
};

/// `snakepit exec`: start the pool, run one command, print the result.
int exec_command(const common_options& opts, const exec_options& exec);

/// `snakepit demo`: the main job; a pool doing a batch of real work.
int demo_command(const common_options& opts, int requests);

/// Options of `snakepit recycle`.
struct recycle_options {
  std::string pool;
  /// Empty: every worker of the pool.
  std::string worker;
  /// Empty: the only host running under the config's run base.
  std::string run_id;
};

/// `snakepit recycle`: ask a running host to recycle workers of a pool.
int recycle_command(const common_options& opts, const recycle_options& r);

} // namespace snakepit::cli
