#include "process/proc_cpu.hpp"

#include <cstdlib>
#include <sstream>
#include <string>

#include <unistd.h>

#include "process/proc_files.hpp"

namespace snakepit::process {

std::optional<stat_counters> read_stat_counters(int pid) {
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  auto text = read_proc_file("/proc/" + std::to_string(pid) + "/stat");
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so
  // count the fields from the last ')'. minflt, utime and stime are fields
  // 10, 14 and 15 (the state is field 3).
  auto paren = text.rfind(')');
  if (paren == std::string::npos)
    return std::nullopt;
  std::istringstream fields{text.substr(paren + 1)};
  std::string field;
  double utime = 0;
  double stime = 0;
  stat_counters out;
  int i = 3;
  for (; i <= 15 && fields >> field; ++i) {
    if (i == 10)
      out.minor_faults = std::strtoull(field.c_str(), nullptr, 10);
    else if (i == 14)
      utime = std::strtod(field.c_str(), nullptr);
    else if (i == 15)
      stime = std::strtod(field.c_str(), nullptr);
  }
  if (i <= 15)
    return std::nullopt;
  out.cpu_seconds = (utime + stime) / ticks;
  return out;
}

std::optional<double> cpu_seconds(int pid) {
  if (auto counters = read_stat_counters(pid))
    return counters->cpu_seconds;
  return std::nullopt;
}

double cpu_seconds(const std::vector<int>& pids) {
  double out = 0;
  for (int pid : pids)
    out += cpu_seconds(pid).value_or(0);
  return out;
}

} // namespace snakepit::process
