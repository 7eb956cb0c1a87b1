#include "diagnostics/python_probe.hpp"

#include <cerrno>
#include <csignal>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process/fork_exec.hpp"
#include "process/launcher.hpp"

namespace snakepit::diagnostics {

namespace {

/// Appends what `fd` has to `out`; false at end of file or on an error.
bool drain(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    return n < 0 && errno == EAGAIN;
  }
}

/// What a finished child printed and how it ended.
struct captured {
  std::string out;
  std::string err;
  process::exit_info exit;
  bool timed_out = false;
};

/// Reads the child's output until both pipes close (the child and anything
/// it left holding them are gone) or `timeout` passes, then kills its
/// process group if needed, reaps it and closes its descriptors.
captured collect(const process::forked_child& child,
                 std::chrono::milliseconds timeout) {
  captured c;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      c.timed_out = true;
      break;
    }
    pollfd fds[] = {{out_open ? child.stdout_fd : -1, POLLIN, 0},
                    {err_open ? child.stderr_fd : -1, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0
        && errno != EINTR)
      break;
    if (out_open && fds[0].revents != 0)
      out_open = drain(child.stdout_fd, c.out);
    if (err_open && fds[1].revents != 0)
      err_open = drain(child.stderr_fd, c.err);
  }
  if (c.timed_out)
    ::killpg(child.pid, SIGKILL);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    c.exit.signal = WTERMSIG(status);
  else
    c.exit.exit_code = WEXITSTATUS(status);
  for (int fd : {child.stdout_fd, child.stderr_fd, child.pidfd})
    ::close(fd);
  return c;
}

/// The last line of `text` that is not blank, at most 300 characters.
std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos)
    return {};
  auto begin = text.rfind('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return text.substr(begin, std::min<size_t>(end + 1 - begin, 300));
}

} // namespace

void probe_python(python_facts& facts,
                  const std::map<std::string, std::string>& env,
                  const std::string& python_path,
                  std::chrono::milliseconds timeout) {
  process::launch_spec spec;
  spec.executable = facts.interpreter;
  spec.args = {"-c", python_probe_script};
  spec.env = env;
  auto& pythonpath = spec.env["PYTHONPATH"];
  pythonpath = pythonpath.empty() ? python_path
                                  : python_path + ":" + pythonpath;
  spec.env["PYTHONDONTWRITEBYTECODE"] = "1";
  spec.tag = "diagnose";
  auto started = process::fork_exec(spec);
  if (auto* err = std::get_if<std::string>(&started)) {
    facts.error = *err;
    return;
  }
  auto c = collect(std::get<process::forked_child>(started), timeout);
  if (c.timed_out) {
    facts.error = "no answer within "
                  + std::to_string(timeout.count() / 1000) + " s";
    return;
  }
  if (c.exit.signal != 0 || c.exit.exit_code != 0) {
    facts.error = process::describe(c.exit);
    if (auto line = last_line(c.err); !line.empty())
      facts.error += ": " + line;
    return;
  }
  parse_probe_output(c.out, facts);
}

} // namespace snakepit::diagnostics
