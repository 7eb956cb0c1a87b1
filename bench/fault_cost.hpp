#pragma once

/// What one copy-on-write page fault costs on this machine: the floor under
/// a forked worker's start, whose time goes mostly into copying the pages
/// of the fork server it writes to (CPython writes reference counts into
/// every object it touches).

#include <optional>

namespace snakepit::bench {

/// Median microseconds per copy-on-write fault over `rounds` forks, each
/// child writing one byte into every page of a 16 MiB buffer its parent
/// had filled; nullopt when a fork or its pipe failed. The child only
/// writes memory and one pipe, so forking from a threaded process is safe.
std::optional<double> cow_fault_microseconds(int rounds = 5);

} // namespace snakepit::bench
