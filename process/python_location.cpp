#include "process/python_location.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace snakepit::process {

std::string to_string(python_path_origin origin) {
  switch (origin) {
    case python_path_origin::config:
      return "the config key python_path";
    case python_path_origin::environment:
      return "the environment variable " + std::string{python_path_variable};
    case python_path_origin::executable:
      return "the default beside the executable ("
             + std::string{python_dir_beside_executable} + ")";
  }
  return "unknown";
}

std::optional<python_location>
resolve_python_path(const std::optional<std::string>& configured,
                    std::string_view variable, std::string_view executable) {
  if (configured)
    return python_location{*configured, python_path_origin::config};
  if (!variable.empty())
    return python_location{std::string{variable},
                           python_path_origin::environment};
  std::filesystem::path exe{executable};
  if (!exe.is_absolute())
    return std::nullopt;
  auto dir = exe.parent_path() / python_dir_beside_executable;
  return python_location{dir.lexically_normal().string(),
                         python_path_origin::executable};
}

std::optional<python_location>
find_python_path(const std::optional<std::string>& configured) {
  const char* variable = std::getenv(python_path_variable.data());
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return resolve_python_path(configured, variable ? variable : "",
                             ec ? std::string{} : exe.string());
}

} // namespace snakepit::process
