#include "bench/wakeups.hpp"

#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "process/proc_cpu.hpp"

namespace snakepit::bench {

int64_t own_sleeps() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_nvcsw;
}

namespace {

/// The `voluntary_ctxt_switches` line of one thread's status file, 0 if
/// it is missing.
int64_t thread_sleeps(const std::filesystem::path& status) {
  std::ifstream in{status};
  const std::string key = "voluntary_ctxt_switches:";
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, key.size(), key) == 0)
      return std::stoll(line.substr(key.size()));
  return 0;
}

} // namespace

int64_t sleeps_of(int pid) {
  int64_t out = 0;
  std::error_code ec;
  auto tasks = std::filesystem::path{"/proc"} / std::to_string(pid) / "task";
  for (const auto& task : std::filesystem::directory_iterator{tasks, ec})
    out += thread_sleeps(task.path() / "status");
  return out;
}

double cpu_us_of(int pid) {
  auto s = process::cpu_seconds(pid);
  return s ? *s * 1e6 : 0;
}

} // namespace snakepit::bench
