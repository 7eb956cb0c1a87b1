#include "bench/proc_usage.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace snakepit::bench {

double cpu_seconds(const std::vector<int>& pids) {
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double out = 0;
  for (int pid : pids) {
    std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
    std::string text;
    std::getline(in, text);
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses,
    // so count the fields from the last ')'. utime and stime are fields
    // 14 and 15, i.e. the 12th and 13th after the state (field 3).
    auto paren = text.rfind(')');
    if (paren == std::string::npos)
      continue;
    std::istringstream fields{text.substr(paren + 1)};
    std::string field;
    double utime = 0;
    double stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14)
        utime = std::strtod(field.c_str(), nullptr);
      else if (i == 15)
        stime = std::strtod(field.c_str(), nullptr);
    }
    out += (utime + stime) / ticks;
  }
  return out;
}

} // namespace snakepit::bench
