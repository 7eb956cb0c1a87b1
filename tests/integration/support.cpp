#include "support.hpp"

#include "process/proc_files.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;

namespace snakepit::it {

namespace {


/// The fields of /proc/<pid>/stat after the command name, or empty.
std::string stat_tail(int pid) {
  auto text = process::read_proc_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size())
    return {};
  return text.substr(close + 2);
}

std::vector<int> all_pids() {
  std::vector<int> out;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr)
    return out;
  while (auto* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && pid > 0)
      out.push_back(static_cast<int>(pid));
  }
  ::closedir(proc);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

// -- temp_dir ---------------------------------------------------------------

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/snakepit-it-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr)
    throw std::runtime_error(std::string{"mkdtemp: "} + std::strerror(errno));
  path_ = tmpl;
  ::chmod(path_.c_str(), 0700);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::trunc};
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

bool path_exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

// -- /proc ------------------------------------------------------------------

std::string proc_cmdline(int pid) {
  return process::read_proc_file("/proc/" + std::to_string(pid) + "/cmdline");
}

std::vector<std::string> proc_args(int pid) {
  std::vector<std::string> out;
  auto raw = proc_cmdline(pid);
  std::string_view rest{raw};
  while (!rest.empty()) {
    auto end = rest.find('\0');
    out.emplace_back(rest.substr(0, end));
    if (end == std::string_view::npos)
      break;
    rest.remove_prefix(end + 1);
  }
  return out;
}

std::optional<char> proc_state(int pid) {
  auto tail = stat_tail(pid);
  if (tail.empty())
    return std::nullopt;
  return tail[0];
}

std::optional<int> proc_ppid(int pid) {
  auto tail = stat_tail(pid);
  // "<state> <ppid> ..."
  if (tail.size() < 3)
    return std::nullopt;
  return std::atoi(tail.c_str() + 2);
}

std::optional<long> proc_cpu_ticks(int pid) {
  // After the command name: state(3) ppid pgrp session tty_nr tpgid flags
  // minflt cminflt majflt cmajflt utime(14) stime(15).
  auto tail = stat_tail(pid);
  if (tail.empty())
    return std::nullopt;
  std::istringstream in{tail};
  std::string field;
  long utime = 0;
  long stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14)
      utime = std::stol(field);
    else if (i == 15)
      stime = std::stol(field);
  }
  if (!in)
    return std::nullopt;
  return utime + stime;
}

bool process_gone(int pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH)
    return true;
  auto state = proc_state(pid);
  return !state || *state == 'Z' || *state == 'X';
}

std::vector<int> run_processes(const std::string& run_id) {
  std::vector<int> out;
  auto self = ::getpid();
  for (int pid : all_pids()) {
    if (pid == self)
      continue;
    auto args = proc_args(pid);
    for (size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == "--snakepit-run-id" && args[i + 1] == run_id) {
        out.push_back(pid);
        break;
      }
  }
  return out;
}

namespace {

bool has_fork_server_args(int pid) {
  auto args = proc_args(pid);
  return std::find(args.begin(), args.end(), "snakepit_bridge.fork_server")
         != args.end();
}

} // namespace

bool is_fork_server(int pid) {
  auto parent = proc_ppid(pid);
  return has_fork_server_args(pid) && parent
         && !has_fork_server_args(*parent);
}

std::optional<int> host_of(int pid) {
  auto parent = proc_ppid(pid);
  if (parent && has_fork_server_args(*parent))
    return proc_ppid(*parent);
  return parent;
}

std::optional<int> fork_server_of(int pid) {
  auto parent = proc_ppid(pid);
  if (parent && is_fork_server(*parent))
    return parent;
  return std::nullopt;
}

std::vector<int> run_workers(const std::string& run_id) {
  auto out = run_processes(run_id);
  out.erase(std::remove_if(out.begin(), out.end(), is_fork_server),
            out.end());
  return out;
}

bool runs_bridge(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(), [](const std::string& arg) {
    return arg == "snakepit_bridge" || arg == "snakepit_bridge.fork_server";
  });
}

std::vector<int> children_of(int ppid) {
  std::vector<int> out;
  for (int pid : all_pids())
    if (proc_ppid(pid) == ppid)
      out.push_back(pid);
  return out;
}

std::vector<int> fork_servers_of(int host) {
  auto out = children_of(host);
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](int pid) { return !is_fork_server(pid); }),
            out.end());
  return out;
}

std::vector<int> python_workers_of(int host) {
  std::vector<int> out;
  for (int pid : children_of(host)) {
    if (is_fork_server(pid)) {
      auto forked = children_of(pid);
      out.insert(out.end(), forked.begin(), forked.end());
    } else if (proc_cmdline(pid).find("snakepit_bridge") != std::string::npos) {
      out.push_back(pid);
    }
  }
  return out;
}

void reap_if_child(int pid) {
  int status = 0;
  ::waitpid(pid, &status, WNOHANG);
}

std::string cli_path() {
  const char* dir = std::getenv("SNAKEPIT_BIN_DIR");
  if (dir == nullptr || *dir == '\0')
    throw std::runtime_error("SNAKEPIT_BIN_DIR is not set (run via ctest)");
  return std::string{dir} + "/snakepit";
}

std::string test_adapters_dir() {
  return SNAKEPIT_TEST_ADAPTERS_DIR;
}

// -- child_process ------------------------------------------------------------

child_process::child_process(std::vector<std::string> argv, bool new_session)
  : new_session_(new_session) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2 failed");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::runtime_error("pipe2 failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (new_session)
    flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&attr, flags);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  std::vector<char*> args;
  for (auto& arg : argv)
    args.push_back(arg.data());
  args.push_back(nullptr);
  auto rc = ::posix_spawn(&pid_, args[0], &actions, &attr, args.data(),
                          environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  if (rc != 0) {
    ::close(out_fd_);
    ::close(err_fd_);
    throw std::runtime_error("posix_spawn " + argv[0] + ": "
                             + std::strerror(rc));
  }
}

child_process::~child_process() {
  if (!status_ && !poll_exit()) {
    if (new_session_)
      ::killpg(pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (out_fd_ >= 0)
    ::close(out_fd_);
  if (err_fd_ >= 0)
    ::close(err_fd_);
}

void child_process::pump(std::chrono::milliseconds wait) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0)
    fds[n++] = pollfd{out_fd_, POLLIN, 0};
  if (err_fd_ >= 0)
    fds[n++] = pollfd{err_fd_, POLLIN, 0};
  if (n == 0) {
    std::this_thread::sleep_for(wait);
    return;
  }
  if (::poll(fds, static_cast<nfds_t>(n), static_cast<int>(wait.count())) <= 0)
    return;
  for (int i = 0; i < n; ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
      continue;
    char buf[4096];
    auto got = ::read(fds[i].fd, buf, sizeof(buf));
    auto& sink = fds[i].fd == out_fd_ ? out_ : err_;
    if (got > 0) {
      sink.append(buf, static_cast<size_t>(got));
    } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
      ::close(fds[i].fd);
      (fds[i].fd == out_fd_ ? out_fd_ : err_fd_) = -1;
    }
  }
}

bool child_process::poll_exit() {
  if (status_)
    return true;
  int status = 0;
  auto rc = ::waitpid(pid_, &status, WNOHANG);
  if (rc == pid_) {
    status_ = decode_status(status);
    return true;
  }
  return false;
}

bool child_process::wait_for_stderr(std::string_view needle,
                                    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (err_.find(needle) != std::string::npos)
      return true;
    if (poll_exit()) {
      pump(0ms);
      pump(0ms);
      return err_.find(needle) != std::string::npos;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left <= 0ms)
      return false;
    pump(std::min(left, std::chrono::milliseconds{50}));
  }
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (poll_exit()) {
      // Drain what the pipes still hold (without waiting for EOF: a
      // grandchild may keep them open).
      for (int i = 0; i < 64 && (out_fd_ >= 0 || err_fd_ >= 0); ++i) {
        auto before = out_.size() + err_.size();
        pump(0ms);
        if (out_.size() + err_.size() == before)
          break;
      }
      return status_;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left <= 0ms)
      return std::nullopt;
    pump(std::min(left, std::chrono::milliseconds{20}));
  }
}

void child_process::signal(int sig) {
  ::kill(pid_, sig);
}

run_result run_command(std::vector<std::string> argv,
                       std::chrono::milliseconds timeout) {
  child_process child{std::move(argv)};
  run_result result;
  auto code = child.wait_exit(timeout);
  result.exit_code = code ? *code : -1;
  result.out = child.out();
  result.err = child.err();
  return result;
}

} // namespace snakepit::it
