#pragma once

/// Reading the kernel's pseudo-files under /proc.

#include <string>

namespace snakepit::process {

/// The whole content of `path` (e.g. "/proc/42/cmdline"), read with plain
/// read(2) calls because /proc files report no size; empty if it cannot be
/// opened (e.g. the process is gone).
std::string read_proc_file(const std::string& path);

} // namespace snakepit::process
