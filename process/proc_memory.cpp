#include "process/proc_memory.hpp"

#include "process/proc_files.hpp"

#include <cstdlib>
#include <string_view>

namespace snakepit::process {

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
  auto text = read_proc_file(path);
  if (text.empty()) {
    out.error = "cannot read " + path;
    return out;
  }
  // Lines look like "Pss:                 235 kB".
  bool seen_rss = false;
  std::string_view rest{text};
  while (!rest.empty()) {
    auto end = rest.find('\n');
    auto line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
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
    // strtol stops at the " kB" after the digits, well before the end of
    // `text`, which is NUL-terminated anyway.
    auto kib = std::strtol(line.data() + colon + 1, nullptr, 10);
    *field += kib;
    if (key == "Private_Dirty")
      out.memory.dirty += kib;
    seen_rss = seen_rss || key == "Rss";
  }
  if (!seen_rss) {
    out.memory = {};
    out.error = path + ": no Rss line";
  } else {
    out.memory.processes = 1;
  }
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

std::optional<uint64_t> pss_bytes(int pid) {
  auto reading = read_memory(pid);
  if (!reading.error.empty())
    return std::nullopt;
  return static_cast<uint64_t>(reading.memory.pss) * 1024;
}

} // namespace snakepit::process
