#pragma once

/// Forking one child for `process_host`: the only place that includes
/// Boost.Process. Call it from one long-lived thread only, because the
/// child's parent-death signal fires when the forking thread exits.

#include "process/launcher.hpp"

#include <string>
#include <variant>

namespace snakepit::process {

/// A freshly started child and the descriptors the host polls. All
/// descriptors are close-on-exec; the pipe ends are non-blocking.
struct forked_child {
  /// OS pid, which is also the child's process group id.
  int pid = -1;
  /// Read end of the child's stdout.
  int stdout_fd = -1;
  /// Read end of the child's stderr.
  int stderr_fd = -1;
  /// pidfd of the child: readable once it has exited.
  int pidfd = -1;
};

/// `fd` moved above the standard streams (closing the original), so that
/// dup2 onto 0-2 in a child cannot clobber it; close-on-exec; -1 on
/// failure. Descriptors above 2 are returned as they are.
int above_stdio(int fd);

/// Makes a pipe for a child's output: both ends close-on-exec and above
/// the standard streams, the read end (the host's) non-blocking. False,
/// with errno set and nothing open, on failure.
bool make_output_pipe(int& read_end, int& write_end);

/// Starts `spec` in its own process group, with stdin on /dev/null, stdout
/// and stderr on pipes, and SIGKILL as its parent-death signal; with
/// `control_fd` >= 0 (a descriptor above 2), that descriptor becomes the
/// child's fd 3 (a fork server's control socket). On failure returns
/// "cannot start '<executable>': <reason>", leaving no zombie.
std::variant<forked_child, std::string> fork_exec(const launch_spec& spec,
                                                  int control_fd = -1);

} // namespace snakepit::process
