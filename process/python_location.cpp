#include "process/python_location.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#ifndef SNAKEPIT_PYTHON_DIR_FROM_LIBRARY
#  error "SNAKEPIT_PYTHON_DIR_FROM_LIBRARY must be set (process/CMakeLists.txt)"
#endif

namespace snakepit::process {

std::string_view python_dir_from_library() {
  return SNAKEPIT_PYTHON_DIR_FROM_LIBRARY;
}

std::string to_string(python_path_origin origin) {
  switch (origin) {
    case python_path_origin::config:
      return "the config key python_path";
    case python_path_origin::environment:
      return "the environment variable " + std::string{python_path_variable};
    case python_path_origin::library:
      return "the default relative to libsnakepit.so ("
             + std::string{python_dir_from_library()} + ")";
  }
  return "unknown";
}

std::optional<python_location>
resolve_python_path(const std::optional<std::string>& configured,
                    std::string_view variable, std::string_view library,
                    std::string_view relative_dir) {
  if (configured)
    return python_location{*configured, python_path_origin::config};
  if (!variable.empty())
    return python_location{std::string{variable},
                           python_path_origin::environment};
  std::filesystem::path lib{library};
  if (!lib.is_absolute())
    return std::nullopt;
  auto dir = lib.parent_path() / relative_dir;
  return python_location{dir.lexically_normal().string(),
                         python_path_origin::library};
}

std::optional<std::string> library_file() {
  Dl_info info{};
  // Any function of the library names the file it was loaded from.
  if (::dladdr(reinterpret_cast<void*>(&library_file), &info) == 0
      || info.dli_fname == nullptr || *info.dli_fname == '\0')
    return std::nullopt;
  // Symlinks resolved: a library reached through /lib -> /usr/lib or a
  // symlinked directory finds the data beside its real location.
  std::error_code ec;
  auto file = std::filesystem::canonical(info.dli_fname, ec);
  if (ec)
    return std::nullopt;
  return file.string();
}

std::optional<python_location>
find_python_path(const std::optional<std::string>& configured) {
  const char* variable = std::getenv(python_path_variable.data());
  return resolve_python_path(configured, variable ? variable : "",
                             library_file().value_or(std::string{}),
                             python_dir_from_library());
}

} // namespace snakepit::process
