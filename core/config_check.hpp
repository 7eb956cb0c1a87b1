#pragma once

/// Internal to the configuration code: every problem of a configuration as
/// its own `config_error` (key, problem, source, line), before the public
/// calls of <snakepit/config.hpp> join them into one `failure`. Unit tests
/// check the problems one by one through these.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <snakepit/config.hpp>

namespace snakepit {

/// One problem with a configuration: which key, what is wrong with it.
struct config_error {
  /// Dotted path of the key, e.g. "pools[1].queue_timeout" (pools counted
  /// from 0); empty for problems of the whole file (syntax errors).
  std::string key;
  /// What is wrong, in words a user can act on.
  std::string problem;
  /// File name (or other source name); empty for configs built in code.
  std::string source;
  /// Line in `source` where the key appears; 0 when unknown.
  int line = 0;
};

/// "source:line: key: problem", leaving out the parts that are empty, e.g.
/// `snakepit.toml:12: pools[1].queue_timeout: "5x" is not a duration (use
/// e.g. "500ms", "30s", "1h")`.
std::string to_string(const config_error& e);

/// Every problem of `cfg`, in pool order; empty when `cfg` is usable.
std::vector<config_error> check_config(const host_config& cfg);

/// The failure that lists `problems` (not empty), one `to_string` a line.
failure config_failure(const std::vector<config_error>& problems);

/// Outcome of reading a configuration: either a valid config, or every
/// problem found (never both, never neither).
struct config_result {
  /// The configuration; set only when `errors` is empty.
  std::optional<host_config> config;
  /// All problems found, ordered by line.
  std::vector<config_error> errors;

  /// True when `config` holds a valid configuration.
  bool ok() const {
    return config.has_value();
  }
};

/// Parses and checks TOML text, keeping each problem apart (the public
/// `parse_config` joins them into one failure).
config_result read_config(std::string_view toml_text,
                          std::string source_name);

/// Reads the file at `path` with `read_config`; an unreadable file is a
/// problem naming the path.
config_result read_config_file(const std::string& path);

} // namespace snakepit
