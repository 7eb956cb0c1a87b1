#pragma once

/// Asking an interpreter about itself: runs `<python> -c
/// python_probe_script` the way workers are started (process/fork_exec:
/// own process group, parent-death signal, the pool's environment) and
/// reads its answer.

#include <chrono>
#include <map>
#include <string>

#include "diagnostics/python_rule.hpp"

namespace snakepit::diagnostics {

/// How long an interpreter may take to answer (importing grpc takes
/// 100-150 ms on a warm machine).
inline constexpr std::chrono::seconds python_probe_timeout{15};

/// Runs the probe with `facts.interpreter` and fills in `facts`. `env` is
/// added to the environment (the pool's `env`); `python_path` goes in
/// front of PYTHONPATH as for workers. Sets `facts.error` when the
/// interpreter cannot be started, fails, times out (it is then killed) or
/// prints no JSON. Call it from a thread that outlives the probe and
/// before grpc is in use in this process.
void probe_python(python_facts& facts,
                  const std::map<std::string, std::string>& env,
                  const std::string& python_path,
                  std::chrono::milliseconds timeout = python_probe_timeout);

} // namespace snakepit::diagnostics
