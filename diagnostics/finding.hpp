#pragma once

/// One result of `snakepit diagnose`: what was checked, how it stands, the
/// figures measured, and what to do about it.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace snakepit::diagnostics {

/// How a finding stands, from harmless to blocking.
enum class status {
  /// Nothing to do.
  ok,
  /// Works now, but limits scaling or may fail under load.
  warning,
  /// The configuration cannot run as it stands on this machine.
  critical,
};

/// "ok", "warning" or "critical".
std::string to_string(status s);

/// A measured or derived figure of a finding, e.g. `soft_limit = 1024`.
/// Keys end in their unit where there is one (`_bytes`, `_seconds`).
struct value {
  /// What the figure is, snake_case.
  std::string key;
  /// The figure; integers for counts and bytes.
  std::variant<int64_t, double, bool, std::string> data;
};

/// The outcome of one check.
struct finding {
  /// Stable name of the check: "open_files", "processes", "memory",
  /// "python", "socket_path" or "spawn_rate".
  std::string name;
  /// How it stands.
  diagnostics::status status = status::ok;
  /// One line saying what was found, with the decisive figures.
  std::string summary;
  /// The figures behind the summary, in the order they are shown.
  std::vector<value> values;
  /// What to do about it (also for `ok`: what the figures mean).
  std::string advice;

  /// Appends a figure; returns *this for chaining.
  finding& add(std::string key, std::variant<int64_t, double, bool,
                                             std::string> data);

  /// The figure named `key`, or nullptr.
  const value* find(const std::string& key) const;
};

/// The worst status among `findings` (`ok` when there are none).
status worst(const std::vector<finding>& findings);

} // namespace snakepit::diagnostics
