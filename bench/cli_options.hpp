#pragma once

/// Command-line pieces the three benchmarks share.

#include <CLI/CLI.hpp>

#include <string>

namespace snakepit::bench {

/// Adds `--json PATH`: where to write the figures as one JSON document.
inline void add_json_option(CLI::App& app, std::string& json_path) {
  app.add_option("--json", json_path,
                 "Also write the figures as one JSON document to this file");
}

/// Adds `--log-level LEVEL`: the spdlog level of the library and of the
/// workers' output.
inline void add_log_level_option(CLI::App& app, std::string& level) {
  app.add_option("--log-level", level,
                 "spdlog level of the library and worker output")
    ->capture_default_str();
}

/// Sets `field` to `value` unless the option `name` was given: how
/// `--quick` shrinks the defaults without overriding explicit flags.
template <class Field, class Value>
void unless_given(const CLI::App& app, const char* name, Field& field,
                  Value value) {
  if (app.count(name) == 0)
    field = value;
}

} // namespace snakepit::bench
