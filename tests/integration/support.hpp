#pragma once

/// Helpers of the integration tests that need no actor system: private temp
/// directories, facts about processes from /proc, bounded waits, and child
/// processes (the `snakepit` CLI, decoy orphans) owned by a test.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace snakepit::it {

using namespace std::chrono_literals;

/// Generous bound for anything a test waits for (start-up, replies).
inline constexpr std::chrono::milliseconds patience{20000};

/// A fresh directory under /tmp (mode 0700), removed with its contents.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// Absolute path, no trailing slash.
  const std::string& path() const {
    return path_;
  }

  /// `path() + "/" + name`.
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

private:
  std::string path_;
};

/// Writes `text` to `path` (truncating).
void write_file(const std::string& path, const std::string& text);

/// True if something exists at `path`.
bool path_exists(const std::string& path);

/// The raw /proc/<pid>/cmdline (arguments separated by NUL); empty if the
/// process is gone or a zombie.
std::string proc_cmdline(int pid);

/// The arguments of `pid`; empty if gone.
std::vector<std::string> proc_args(int pid);

/// Process state letter from /proc/<pid>/stat ('R', 'S', 'Z'...), or
/// nullopt if there is no such process.
std::optional<char> proc_state(int pid);

/// Parent pid from /proc/<pid>/stat, or nullopt.
std::optional<int> proc_ppid(int pid);

/// CPU time (user + system) `pid` has used, in clock ticks, or nullopt.
std::optional<long> proc_cpu_ticks(int pid);

/// True when `pid` no longer runs: no such process, or a zombie.
bool process_gone(int pid);

/// True when `pid` runs (exists and is not a zombie).
inline bool process_alive(int pid) {
  return !process_gone(pid);
}

/// Pids (other than ours) whose command line holds the argument
/// "--snakepit-run-id" followed by `run_id`.
std::vector<int> run_processes(const std::string& run_id);

/// True when `pid` is a pool's fork server (python -m
/// snakepit_bridge.fork_server). The workers it forks share its command
/// line; they are told apart by their parent, the fork server itself.
bool is_fork_server(int pid);

/// The host that owns worker `pid`: its parent, or its parent's parent
/// when a fork server forked it; nullopt if gone.
std::optional<int> host_of(int pid);

/// The fork server that forked worker `pid` (its parent), or nullopt when
/// the worker was started the plain way or is gone.
std::optional<int> fork_server_of(int pid);

/// `run_processes` without the fork servers: the run's workers.
std::vector<int> run_workers(const std::string& run_id);

/// True when `args` (a worker's) run the bridge: `-m snakepit_bridge`, or
/// the fork server that forked it.
bool runs_bridge(const std::vector<std::string>& args);

/// Pids whose parent is `ppid`.
std::vector<int> children_of(int ppid);

/// The Python workers of host `host`: its children that run
/// snakepit_bridge and are not fork servers, and the children of its fork
/// servers.
std::vector<int> python_workers_of(int host);

/// The fork servers among the children of host `host`.
std::vector<int> fork_servers_of(int host);

/// Polls `pred` every `interval` until it holds or `timeout` passes;
/// returns its last value. For OS facts that have no event to await.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5000ms,
                std::chrono::milliseconds interval = 20ms);

/// Reaps `pid` if it is our exited child (ignored otherwise).
void reap_if_child(int pid);

/// `$SNAKEPIT_BIN_DIR/snakepit`; throws if the variable is unset.
std::string cli_path();

/// The directory holding the test-only adapters (`snakepit_test_adapters`:
/// flaky_start, import_error, ...), the source tree's python/tests; test
/// pools put it on their workers' PYTHONPATH. The package itself comes from
/// the build tree (beside the test binaries).
std::string test_adapters_dir();

/// A process started by the test with its stdout and stderr on pipes.
/// The destructor SIGKILLs it (and its process group when it has its own
/// session) if it still runs, and reaps it.
class child_process {
public:
  /// Starts `argv[0]` (an absolute path) with `argv`. With `new_session`
  /// it runs in its own session and process group (setsid).
  child_process(std::vector<std::string> argv, bool new_session = false);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const {
    return pid_;
  }

  /// Reads output until stderr contains `needle`; false on timeout or if
  /// the process exited first.
  bool wait_for_stderr(std::string_view needle,
                       std::chrono::milliseconds timeout);

  /// Waits for the process to exit, reading its output meanwhile. Returns
  /// its exit code, 128 + signal if a signal ended it, nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// Sends `sig` to the process.
  void signal(int sig);

  /// Everything read so far from stdout / stderr.
  const std::string& out() const {
    return out_;
  }
  const std::string& err() const {
    return err_;
  }

private:
  /// Reads what is available on the pipes, waiting up to `wait`.
  void pump(std::chrono::milliseconds wait);
  /// Checks (without blocking) whether the child exited and records it.
  bool poll_exit();

  pid_t pid_ = -1;
  bool new_session_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::optional<int> status_;
};

/// Result of running a command to completion.
struct run_result {
  /// Exit code (128 + signal); -1 if it did not finish in time.
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `argv` to completion (at most `timeout`) and collects its output.
run_result run_command(std::vector<std::string> argv,
                       std::chrono::milliseconds timeout = patience);

// -- template implementation ----------------------------------------------

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return pred();
    std::this_thread::sleep_for(interval);
  }
}

} // namespace snakepit::it
