#pragma once

/// Where a host finds the snakepit_bridge package that it puts on its
/// workers' PYTHONPATH, with no source-tree path compiled in. In order: the
/// config key `python_path`, the environment variable SNAKEPIT_PYTHON_PATH,
/// then the package directory relative to the directory of libsnakepit.so
/// itself (e.g. `../share/snakepit/python` from `lib/`), computed by CMake
/// from the install layout. The build tree is laid out as an install
/// (`<build>/lib`, `<build>/share`), so the build, an install and a moved
/// install all find it without configuration, whatever program links the
/// library.

#include <optional>
#include <string>
#include <string_view>

namespace snakepit::process {

/// The environment variable that names the package directory when the
/// config does not.
inline constexpr std::string_view python_path_variable
  = "SNAKEPIT_PYTHON_PATH";

/// The package directory relative to the directory holding libsnakepit.so,
/// as this build lays them out (CMake's SNAKEPIT_PYTHON_DIR_FROM_LIBRARY),
/// e.g. `../share/snakepit/python`.
std::string_view python_dir_from_library();

/// Which source named the package directory.
enum class python_path_origin {
  /// The config key `python_path`.
  config,
  /// The environment variable SNAKEPIT_PYTHON_PATH.
  environment,
  /// The default relative to libsnakepit.so.
  library,
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
  python_path_origin origin = python_path_origin::library;
};

/// The first of: `configured` (the config key, when set); `variable` (the
/// value of SNAKEPIT_PYTHON_PATH, empty meaning unset); the directory of
/// `library` (an absolute path to the library file) joined with
/// `relative_dir`. nullopt when none applies. Pure: the caller reads the
/// environment and where the library is.
std::optional<python_location>
resolve_python_path(const std::optional<std::string>& configured,
                    std::string_view variable, std::string_view library,
                    std::string_view relative_dir);

/// The absolute path of the file that holds this code (libsnakepit.so),
/// symlinks resolved, as the dynamic loader reports it; nullopt if it
/// cannot tell.
std::optional<std::string> library_file();

/// `resolve_python_path` with this process's SNAKEPIT_PYTHON_PATH,
/// `library_file()` and `python_dir_from_library()`.
std::optional<python_location>
find_python_path(const std::optional<std::string>& configured);

} // namespace snakepit::process
