#pragma once

/// Whether the worker sockets of a config fit the kernel's limit on unix
/// socket paths (`process::max_socket_path`, 107 bytes).

#include <cstddef>
#include <string>

#include "diagnostics/demand.hpp"
#include "diagnostics/finding.hpp"

namespace snakepit::diagnostics {

/// Characters of a run id (process/run_directory.cpp).
inline constexpr std::size_t run_id_chars = 12;

/// Bytes of headroom below which the check warns: worker keys grow by one
/// with every restart and recycle, so a long-running host's socket names
/// get longer (6 bytes: keys up to a million times the pool size).
inline constexpr std::size_t key_growth_bytes = 6;

/// The longest worker socket path `need` implies under `run_base`, as
/// actors/worker_actor.cpp names them:
/// `<run base>/<run id>/w<key>-<pool name>.sock`, with the largest key a
/// pool's first workers get (its size) and `x`s for the run id.
std::string longest_socket_path(const std::string& run_base,
                                const demand& need);

/// Critical when the longest socket path exceeds the limit (workers fail
/// to start), warning when less than `key_growth_bytes` remain, ok
/// otherwise; reports the headroom in bytes.
finding check_socket_path(const std::string& run_base, const demand& need);

} // namespace snakepit::diagnostics
