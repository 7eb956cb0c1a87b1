#pragma once

/// `snakepit diagnose` as a library: collects the facts of this machine and
/// of real workers of a config, runs every check, and returns the report
/// that diagnostics/report.hpp renders.

#include <string>
#include <vector>

#include <snakepit/config.hpp>

#include "diagnostics/finding.hpp"
#include "diagnostics/proc_readers.hpp"

namespace snakepit::diagnostics {

/// Settings of a diagnosis.
struct diagnose_options {
  /// Process workers started at once to measure the spawn rate.
  int spawn_workers = 4;
  /// Where the config came from, for the report ("built-in default" when
  /// empty).
  std::string config_source;
};

/// Everything `snakepit diagnose` prints.
struct report {
  /// Cores, kernel, memory.
  machine_facts machine;
  /// The config file, or "built-in default".
  std::string config_source;
  /// In order: open_files, processes, memory, python (one per distinct
  /// interpreter), socket_path, spawn_rate.
  std::vector<finding> findings;
  /// Run ids of the measurement hosts (all stopped by now).
  std::vector<std::string> run_ids;
  /// How long the diagnosis took.
  double seconds = 0;
};

/// Diagnoses this machine for `cfg`. Starts real workers (and stops them)
/// unless the first pool's interpreter cannot run them. Call it before
/// this process uses gRPC otherwise: it forks the interpreter probes.
report diagnose(const host_config& cfg, const diagnose_options& opts);

/// 1 when any finding is critical, else 0.
int exit_code(const report& r);

} // namespace snakepit::diagnostics
