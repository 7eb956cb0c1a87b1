#include <iostream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "diagnostics/diagnose.hpp"
#include "diagnostics/report.hpp"

namespace snakepit::cli {

namespace {

/// Upper bound of --spawn-workers: a measurement, not a load test.
constexpr int max_spawn_workers = 32;

} // namespace

int diagnose_command(const common_options& opts, const diagnose_options& d) {
  if (d.format != "text" && d.format != "json") {
    std::cerr << "--format: '" << d.format << "' (use text or json)\n";
    return 2;
  }
  if (d.spawn_workers < 1 || d.spawn_workers > max_spawn_workers) {
    std::cerr << "--spawn-workers: " << d.spawn_workers
              << " is not between 1 and " << max_spawn_workers << '\n';
    return 2;
  }
  // The measurement hosts log every worker start, warn about their own
  // thread pool on a GIL build and log a failed worker, which the report
  // covers: keep the report alone on the terminal unless asked otherwise.
  auto cfg = prepare(opts.config_path,
                     opts.log_level.empty() ? "off" : opts.log_level);
  if (!cfg)
    return 2;
  diagnostics::diagnose_options options;
  options.spawn_workers = d.spawn_workers;
  options.config_source = opts.config_path;
  auto report = diagnostics::diagnose(*cfg, options);
  std::cout << (d.format == "json" ? diagnostics::render_json(report)
                                   : diagnostics::render_text(report))
            << std::flush;
  return diagnostics::exit_code(report);
}

} // namespace snakepit::cli
