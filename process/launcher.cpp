#include "process/launcher.hpp"

#include <cstring>

namespace snakepit::process {

launcher::~launcher() = default;

std::string describe(const exit_info& info) {
  if (!info.status_known)
    return "exited (status unknown: its fork server was gone)";
  if (info.signal == 0)
    return "exited with code " + std::to_string(info.exit_code);
  auto result = "killed by signal " + std::to_string(info.signal);
  if (const char* name = sigabbrev_np(info.signal))
    result += std::string{" (SIG"} + name + ")";
  return result;
}

} // namespace snakepit::process
