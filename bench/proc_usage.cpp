#include "bench/proc_usage.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace snakepit::bench {

memory_kib& memory_kib::operator+=(const memory_kib& other) {
  rss += other.rss;
  pss += other.pss;
  uss += other.uss;
  dirty += other.dirty;
  processes += other.processes;
  return *this;
}

memory_reading read_memory(int pid) {
  memory_reading out;
  auto path = "/proc/" + std::to_string(pid) + "/smaps_rollup";
  std::ifstream in{path};
  if (!in) {
    out.error = "cannot read " + path;
    return out;
  }
  // Lines look like "Pss:                 235 kB".
  std::string line;
  bool seen_rss = false;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    auto key = line.substr(0, colon);
    long* field = nullptr;
    if (key == "Rss")
      field = &out.memory.rss;
    else if (key == "Pss")
      field = &out.memory.pss;
    else if (key == "Private_Clean" || key == "Private_Dirty")
      field = &out.memory.uss;
    if (field == nullptr)
      continue;
    auto kib = std::strtol(line.c_str() + colon + 1, nullptr, 10);
    *field += kib;
    if (key == "Private_Dirty")
      out.memory.dirty += kib;
    seen_rss = seen_rss || key == "Rss";
  }
  if (!seen_rss)
    out.error = path + ": no Rss line";
  else
    out.memory.processes = 1;
  return out;
}

memory_reading read_memory(const std::vector<int>& pids) {
  memory_reading out;
  for (int pid : pids) {
    auto one = read_memory(pid);
    if (!one.error.empty()) {
      out.error = one.error;
      return out;
    }
    out.memory += one.memory;
  }
  return out;
}

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
