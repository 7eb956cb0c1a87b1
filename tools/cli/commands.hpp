#pragma once

/// The subcommands of the `snakepit` tool. Each returns the process exit
/// code: 0 success, 1 a request or pool failed, 2 bad usage or config.

#include <chrono>
#include <string>
#include <vector>

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
  /// Mark the request idempotent (retried once if its worker crashes).
  bool idempotent = false;
  /// Binary arguments, each "NAME=FILE": the file's bytes under that name.
  std::vector<std::string> binary_args;
  /// The request's session id; empty: none (docs/sessions.md).
  std::string session_id;
  /// "hint", "strict_queue" or "strict_fail_fast"; empty: the pool's
  /// `session_affinity`. Only with a session id.
  std::string affinity;
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

/// Options of `snakepit restart`.
struct restart_options {
  std::string pool;
  /// Empty: the only host running under the config's run base.
  std::string run_id;
};

/// `snakepit restart`: ask a running host to restart a failed pool now.
int restart_command(const common_options& opts, const restart_options& r);

/// Options of `snakepit inspect`.
struct inspect_options {
  /// Empty: every pool of the host.
  std::string pool;
  /// "text" or "json".
  std::string format = "text";
  bool recommendations = false;
  /// Repeat every `interval_seconds` until interrupted.
  bool watch = false;
  int interval_seconds = 2;
  /// Empty: the only host running under the config's run base.
  std::string run_id;
  /// "host:port" of another host's `[cluster] listen`: inspect its pools
  /// through the network instead (with the config's `[cluster.tls]`).
  std::string node;
};

/// `snakepit inspect`: print what a running host's pools are doing.
int inspect_command(const common_options& opts, const inspect_options& i);

/// Options of `snakepit diagnose`.
struct diagnose_options {
  /// "text" or "json".
  std::string format = "text";
  /// Process workers started at once to measure the spawn rate.
  int spawn_workers = 4;
};

/// `snakepit diagnose`: check this machine for what limits scaling the
/// config's pools; 1 when a finding is critical.
int diagnose_command(const common_options& opts, const diagnose_options& d);

} // namespace snakepit::cli
