#pragma once

/// Helpers for the process tests: waiting on launcher callbacks, looking at
/// /proc, and starting plain processes that the tests own.

#include "process/launcher.hpp"

#include <chrono>
#include <condition_variable>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace snakepit::process::test {

/// Generous bound for anything a test waits for.
inline constexpr auto patience = std::chrono::seconds{10};

/// Records one spawn's callbacks and lets the test wait for them.
class recorder : public std::enable_shared_from_this<recorder> {
public:
  /// Callback for `launcher::spawn` that records the result.
  started_callback on_started() {
    return [self = shared_from_this()](std::variant<started, std::string> r) {
      std::lock_guard<std::mutex> guard{self->mutex_};
      self->start_ = std::move(r);
      ++self->start_calls_;
      self->cv_.notify_all();
    };
  }

  /// Callback for `launcher::spawn` that records the exit.
  exit_callback on_exit() {
    return [self = shared_from_this()](process_id id, exit_info info) {
      std::lock_guard<std::mutex> guard{self->mutex_};
      self->exit_ = std::move(info);
      self->exit_id_ = id;
      ++self->exit_calls_;
      self->cv_.notify_all();
    };
  }

  /// Waits for `on_started`; nullopt on timeout.
  std::optional<std::variant<started, std::string>> wait_started() {
    std::unique_lock<std::mutex> guard{mutex_};
    cv_.wait_for(guard, patience, [&] { return start_.has_value(); });
    return start_;
  }

  /// The started process; fails the test when the spawn failed.
  started wait_running() {
    auto r = wait_started();
    if (!r)
      throw std::runtime_error("no on_started callback");
    if (auto* error = std::get_if<std::string>(&*r))
      throw std::runtime_error("spawn failed: " + *error);
    return std::get<started>(*r);
  }

  /// Waits for `on_exit`; nullopt on timeout.
  std::optional<exit_info> wait_exit() {
    std::unique_lock<std::mutex> guard{mutex_};
    cv_.wait_for(guard, patience, [&] { return exit_.has_value(); });
    return exit_;
  }

  /// Process id passed to `on_exit`.
  process_id exit_id() {
    std::lock_guard<std::mutex> guard{mutex_};
    return exit_id_;
  }

  /// How often `on_started` ran.
  int start_calls() {
    std::lock_guard<std::mutex> guard{mutex_};
    return start_calls_;
  }

  /// How often `on_exit` ran.
  int exit_calls() {
    std::lock_guard<std::mutex> guard{mutex_};
    return exit_calls_;
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<std::variant<started, std::string>> start_;
  std::optional<exit_info> exit_;
  process_id exit_id_ = 0;
  int start_calls_ = 0;
  int exit_calls_ = 0;
};

/// A fresh recorder.
inline std::shared_ptr<recorder> make_recorder() {
  return std::make_shared<recorder>();
}

/// Polls `condition` until it holds or `timeout` passes (for OS state that
/// offers no notification, such as another process's death).
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = patience) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return true;
}

/// Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp.
struct proc_stat {
  char state = '?';
  int ppid = 0;
  int pgrp = 0;
};

/// Reads /proc/<pid>/stat; nullopt when the process is gone.
inline std::optional<proc_stat> read_stat(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text;
  if (!std::getline(in, text))
    return std::nullopt;
  auto end = text.rfind(')');
  if (end == std::string::npos || end + 2 >= text.size())
    return std::nullopt;
  proc_stat result;
  std::sscanf(text.c_str() + end + 2, "%c %d %d", &result.state,
              &result.ppid, &result.pgrp);
  return result;
}

/// True while `pid` exists and is neither a zombie nor dead.
inline bool running(int pid) {
  auto st = read_stat(pid);
  return st && st->state != 'Z' && st->state != 'X';
}

/// True when `pid` ignores SIGTERM (a shell has run `trap '' TERM`).
inline bool ignores_sigterm(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, 7, "SigIgn:") == 0)
      return (std::stoull(line.substr(7), nullptr, 16) >> (SIGTERM - 1)) & 1;
  return false;
}

/// Pids of running processes in process group `pgrp`.
inline std::vector<int> group_members(int pgrp) {
  std::vector<int> result;
  DIR* proc = ::opendir("/proc");
  while (auto* entry = proc ? ::readdir(proc) : nullptr) {
    int pid = std::atoi(entry->d_name);
    if (pid <= 0)
      continue;
    auto st = read_stat(pid);
    if (st && st->pgrp == pgrp && st->state != 'Z' && st->state != 'X')
      result.push_back(pid);
  }
  if (proc)
    ::closedir(proc);
  return result;
}

/// Zombie children of this test process.
inline std::vector<int> own_zombies() {
  std::vector<int> result;
  DIR* proc = ::opendir("/proc");
  while (auto* entry = proc ? ::readdir(proc) : nullptr) {
    int pid = std::atoi(entry->d_name);
    auto st = pid > 0 ? read_stat(pid) : std::nullopt;
    if (st && st->ppid == ::getpid() && st->state == 'Z')
      result.push_back(pid);
  }
  if (proc)
    ::closedir(proc);
  return result;
}

/// A process the test starts itself, in its own process group; killed
/// (group and all) and reaped when the object goes away.
class owned_process {
public:
  /// Starts `argv`; with `capture_stdout`, its stdout goes to `stdout_fd()`.
  explicit owned_process(const std::vector<std::string>& argv,
                         bool capture_stdout = false) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    int fds[2] = {-1, -1};
    if (capture_stdout && ::pipe2(fds, O_CLOEXEC) == 0)
      posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (auto& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    if (::posix_spawn(&pid_, args[0], &actions, &attr, args.data(), environ)
        != 0)
      pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (fds[1] >= 0)
      ::close(fds[1]);
    stdout_fd_ = fds[0];
  }

  owned_process(const owned_process&) = delete;
  owned_process& operator=(const owned_process&) = delete;

  ~owned_process() {
    if (pid_ > 0) {
      ::killpg(pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      reap();
    }
    if (stdout_fd_ >= 0)
      ::close(stdout_fd_);
  }

  /// The pid, also the process group id; -1 if the start failed.
  int pid() const {
    return pid_;
  }

  /// Waits for the process to end (after the test killed it).
  void reap() {
    if (pid_ > 0 && !reaped_) {
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
    }
  }

  /// Next stdout line starting with `prefix`, without it; nullopt when the
  /// stream ends or `patience` passes first.
  std::optional<std::string> read_line(const std::string& prefix) {
    auto deadline = std::chrono::steady_clock::now() + patience;
    std::string buffer;
    for (;;) {
      for (auto nl = buffer.find('\n'); nl != std::string::npos;
           nl = buffer.find('\n')) {
        auto line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        if (line.compare(0, prefix.size(), prefix) == 0)
          return line.substr(prefix.size());
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      pollfd pfd{stdout_fd_, POLLIN, 0};
      if (left.count() <= 0
          || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
        return std::nullopt;
      char chunk[256];
      auto n = ::read(stdout_fd_, chunk, sizeof(chunk));
      if (n <= 0)
        return std::nullopt;
      buffer.append(chunk, static_cast<size_t>(n));
    }
  }

private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  bool reaped_ = false;
};

} // namespace snakepit::process::test
