#pragma once

/// Where a host finds the snakepit_bridge package that it puts on its
/// workers' PYTHONPATH, with no source-tree path compiled in. In order: the
/// config key `python_path`, the environment variable SNAKEPIT_PYTHON_PATH,
/// then `../share/snakepit/python` from the directory of the running
/// executable. That last one is where the build stages the package
/// (`<build>/bin`, `<build>/tests` beside `<build>/share`) and where an
/// install puts it (`<prefix>/bin` beside `<prefix>/share`), so both find it
/// without configuration and an install can be moved as a whole.

#include <optional>
#include <string>
#include <string_view>

namespace snakepit::process {

/// The environment variable that names the package directory when the
/// config does not.
inline constexpr std::string_view python_path_variable
  = "SNAKEPIT_PYTHON_PATH";

/// The package directory relative to the running executable's directory
/// (CMake's SNAKEPIT_PYTHON_DATA_DIR, one level up).
inline constexpr std::string_view python_dir_beside_executable
  = "../share/snakepit/python";

/// Which source named the package directory.
enum class python_path_origin {
  /// The config key `python_path`.
  config,
  /// The environment variable SNAKEPIT_PYTHON_PATH.
  environment,
  /// The default beside the running executable.
  executable,
};

/// Words for logs and diagnostics, e.g. "the environment variable
/// SNAKEPIT_PYTHON_PATH".
std::string to_string(python_path_origin origin);

/// A directory holding the snakepit_bridge package, and where that came
/// from.
struct python_location {
  /// The directory, as configured or lexically normal.
  std::string path;
  /// Who named it.
  python_path_origin origin = python_path_origin::executable;
};

/// The first of: `configured` (the config key, when set); `variable` (the
/// value of SNAKEPIT_PYTHON_PATH, empty meaning unset); the directory of
/// `executable` (an absolute path) joined with
/// `python_dir_beside_executable`. nullopt when none applies. Pure: the
/// caller reads the environment and the executable's path.
std::optional<python_location>
resolve_python_path(const std::optional<std::string>& configured,
                    std::string_view variable, std::string_view executable);

/// `resolve_python_path` with this process's SNAKEPIT_PYTHON_PATH and
/// executable (`/proc/self/exe`).
std::optional<python_location>
find_python_path(const std::optional<std::string>& configured);

} // namespace snakepit::process
