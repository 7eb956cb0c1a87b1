#include "bench/proc_memory.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace snakepit::bench {

memory_kib& memory_kib::operator+=(const memory_kib& other) {
  rss += other.rss;
  pss += other.pss;
  uss += other.uss;
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
    *field += std::strtol(line.c_str() + colon + 1, nullptr, 10);
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

} // namespace snakepit::bench
