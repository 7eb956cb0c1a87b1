#include "process/fork_exec.hpp"

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <system_error>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bp = boost::process;

namespace snakepit::process {

namespace {

/// Closes a descriptor when it goes out of scope unless released.
class fd_guard {
public:
  explicit fd_guard(int fd = -1) : fd_(fd) {
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const {
    return fd_;
  }
  int release() {
    auto fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = fd;
  }

private:
  int fd_;
};

std::string errno_text(int err) {
  return std::error_code{err, std::system_category()}.message();
}

bool make_pipe(fd_guard& read_end, fd_guard& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return false;
  read_end.reset(above_stdio(fds[0]));
  write_end.reset(above_stdio(fds[1]));
  if (read_end.get() < 0 || write_end.get() < 0)
    return false;
  // Only our end is non-blocking: the child's stdout stays blocking.
  auto flags = ::fcntl(read_end.get(), F_GETFL);
  return flags >= 0
         && ::fcntl(read_end.get(), F_SETFL, flags | O_NONBLOCK) == 0;
}

std::string lookup_in_path(const std::string& name, const std::string& path) {
  std::string::size_type begin = 0;
  while (begin <= path.size()) {
    auto end = path.find(':', begin);
    if (end == std::string::npos)
      end = path.size();
    auto dir = path.substr(begin, end - begin);
    auto candidate = (dir.empty() ? std::string{"."} : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    begin = end + 1;
  }
  return {};
}

std::vector<std::string> child_environment(const launch_spec& spec) {
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr;
       ++entry) {
    std::string_view var{*entry};
    auto key = var.substr(0, var.find('='));
    if (spec.env.count(std::string{key}) == 0)
      result.emplace_back(var);
  }
  for (const auto& [key, value] : spec.env)
    result.push_back(key + "=" + value);
  return result;
}

/// Gives the child default signal handling whatever the host thread had:
/// exec keeps blocked and ignored signals, and a worker that inherited a
/// blocked or ignored SIGTERM could not be stopped gracefully.
void reset_signals() {
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP)
      ::sigaction(sig, &dfl, nullptr);
}

/// Makes `fd` the child's descriptor 3, open across exec (nothing to do
/// for -1). Async-signal-safe; runs after stdin, stdout and stderr are in
/// place, so that 3 may be overwritten.
bool pass_control(int fd) {
  if (fd < 0)
    return true;
  constexpr int control_target = 3;
  if (fd != control_target)
    return ::dup2(fd, control_target) == control_target;
  auto flags = ::fcntl(fd, F_GETFD);
  return flags >= 0 && ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) == 0;
}

/// Everything the child does between fork and exec, plus bookkeeping in the
/// parent. Only async-signal-safe calls run in the child.
struct child_setup : bp::extend::handler {
  char** envp;
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  /// Becomes the child's fd 3 when >= 0 (a fork server's control socket).
  int control_fd;
  pid_t parent;
  pid_t* forked_pid;

  template <class Executor>
  void on_setup(Executor& exec) const {
    exec.env = envp;
  }

  template <class Executor>
  void on_error(Executor& exec, const std::error_code&) const {
    *forked_pid = exec.pid;
  }

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    reset_signals();
    if (::dup2(stdin_fd, STDIN_FILENO) < 0
        || ::dup2(stdout_fd, STDOUT_FILENO) < 0
        || ::dup2(stderr_fd, STDERR_FILENO) < 0 || ::setpgid(0, 0) != 0
        || !pass_control(control_fd)
        || ::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
      exec.set_error(std::error_code{errno, std::system_category()},
                     "child setup failed");
      ::_exit(127);
    }
    // The host died before prctl took effect: nobody will ever kill us.
    if (::getppid() != parent)
      ::_exit(1);
  }
};

} // namespace

int above_stdio(int fd) {
  if (fd < 0 || fd > 2)
    return fd;
  auto moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

bool make_output_pipe(int& read_end, int& write_end) {
  fd_guard read_guard, write_guard;
  if (!make_pipe(read_guard, write_guard))
    return false;
  read_end = read_guard.release();
  write_end = write_guard.release();
  return true;
}

std::variant<forked_child, std::string> fork_exec(const launch_spec& spec,
                                                  int control_fd) {
  auto fail = [&](const std::string& reason) {
    return "cannot start '" + spec.executable + "': " + reason;
  };
  if (spec.executable.empty())
    return fail("empty executable name");
  auto env = child_environment(spec);
  auto exe = spec.executable;
  if (exe.find('/') == std::string::npos) {
    auto path_var = spec.env.find("PATH");
    const char* host_path = std::getenv("PATH");
    auto path = path_var != spec.env.end() ? path_var->second
                : host_path != nullptr     ? std::string{host_path}
                                           : std::string{"/usr/bin:/bin"};
    exe = lookup_in_path(exe, path);
    if (exe.empty())
      return fail("not found in PATH");
  }
  if (::access(exe.c_str(), X_OK) != 0)
    return fail(errno_text(errno));
  fd_guard out_read, out_write, err_read, err_write;
  if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write))
    return fail("pipe: " + errno_text(errno));
  fd_guard dev_null{above_stdio(::open("/dev/null", O_RDONLY | O_CLOEXEC))};
  if (dev_null.get() < 0)
    return fail("/dev/null: " + errno_text(errno));
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (auto& var : env)
    envp.push_back(var.data());
  envp.push_back(nullptr);
  pid_t failed_pid = -1;
  child_setup setup;
  setup.envp = envp.data();
  setup.stdin_fd = dev_null.get();
  setup.stdout_fd = out_write.get();
  setup.stderr_fd = err_write.get();
  setup.control_fd = control_fd;
  setup.parent = ::getpid();
  setup.forked_pid = &failed_pid;
  std::error_code ec;
  int pid = -1;
  try {
    bp::child child{bp::exe(exe), bp::args(spec.args), setup, ec};
    if (!ec) {
      pid = child.id();
      // We reap the child ourselves; ~child() must not SIGKILL it.
      child.detach();
    }
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  if (ec) {
    if (failed_pid > 0)
      while (::waitpid(failed_pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    return fail(ec.message());
  }
  if (pid <= 0) {
    // Boost.Process can report no error and no child when descriptors run
    // out; waitpid(-1) below would then wait for any child, forever.
    if (failed_pid > 0)
      while (::waitpid(failed_pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    return fail("no child process was started (out of file descriptors?)");
  }
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    auto err = errno;
    ::killpg(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return fail("pidfd_open: " + errno_text(err));
  }
  forked_child result;
  result.pid = pid;
  result.stdout_fd = out_read.release();
  result.stderr_fd = err_read.release();
  result.pidfd = pidfd;
  return result;
}

} // namespace snakepit::process
