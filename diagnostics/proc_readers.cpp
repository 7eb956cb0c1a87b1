#include "diagnostics/proc_readers.hpp"

#include <cctype>
#include <cstdlib>
#include <string>
#include <thread>

#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "process/proc_files.hpp"

namespace snakepit::diagnostics {

std::optional<int64_t> proc_field(std::string_view text,
                                  std::string_view key) {
  std::string_view rest = text;
  while (!rest.empty()) {
    auto end = rest.find('\n');
    auto line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    if (line.size() <= key.size() || line.substr(0, key.size()) != key
        || line[key.size()] != ':')
      continue;
    auto digits = line.substr(key.size() + 1);
    while (!digits.empty() && std::isspace(static_cast<unsigned char>(
                                digits.front())))
      digits.remove_prefix(1);
    if (digits.empty()
        || !std::isdigit(static_cast<unsigned char>(digits.front())))
      return std::nullopt;
    // The line is a view into `text`: copy it so strtoll stops in bounds.
    return std::strtoll(std::string{digits}.c_str(), nullptr, 10);
  }
  return std::nullopt;
}

std::optional<meminfo> parse_meminfo(std::string_view text) {
  auto total = proc_field(text, "MemTotal");
  auto available = proc_field(text, "MemAvailable");
  if (!total || !available)
    return std::nullopt;
  return meminfo{static_cast<uint64_t>(*total) * 1024,
                 static_cast<uint64_t>(*available) * 1024};
}

std::optional<task_status> parse_task_status(std::string_view text) {
  auto uid = proc_field(text, "Uid");
  auto threads = proc_field(text, "Threads");
  if (!uid || !threads)
    return std::nullopt;
  return task_status{*uid, *threads};
}

std::optional<uint64_t> parse_cap_eff(std::string_view status_text) {
  auto at = status_text.find("\nCapEff:");
  if (at == std::string_view::npos)
    return std::nullopt;
  auto line = status_text.substr(at + 8);
  line = line.substr(0, line.find('\n'));
  char* end = nullptr;
  auto text = std::string{line};
  auto caps = std::strtoull(text.c_str(), &end, 16);
  if (end == text.c_str())
    return std::nullopt;
  return caps;
}

std::optional<meminfo> read_meminfo() {
  return parse_meminfo(process::read_proc_file("/proc/meminfo"));
}

std::optional<task_status> read_task_status(int pid) {
  return parse_task_status(
    process::read_proc_file("/proc/" + std::to_string(pid) + "/status"));
}

namespace {

/// Calls `fn(name)` for every entry of `dir` but "." and "..".
template <class Fn>
void for_each_entry(const char* dir, Fn fn) {
  auto* d = ::opendir(dir);
  if (d == nullptr)
    return;
  while (auto* entry = ::readdir(d)) {
    std::string_view name{entry->d_name};
    if (name != "." && name != "..")
      fn(name);
  }
  ::closedir(d);
}

} // namespace

int64_t count_user_threads(int64_t uid) {
  int64_t total = 0;
  for_each_entry("/proc", [&](std::string_view name) {
    if (!std::isdigit(static_cast<unsigned char>(name.front())))
      return;
    auto status = read_task_status(std::atoi(std::string{name}.c_str()));
    if (status && status->real_uid == uid)
      total += status->threads;
  });
  return total;
}

int64_t count_open_fds() {
  int64_t n = 0;
  for_each_entry("/proc/self/fd", [&n](std::string_view) { ++n; });
  // One of them is the descriptor opendir used to list the others.
  return n > 0 ? n - 1 : 0;
}

limit read_limit(int resource) {
  rlimit lim{};
  if (::getrlimit(resource, &lim) != 0)
    return {};
  auto finite = [](rlim_t v) -> std::optional<uint64_t> {
    if (v == RLIM_INFINITY)
      return std::nullopt;
    return static_cast<uint64_t>(v);
  };
  return limit{finite(lim.rlim_cur), finite(lim.rlim_max)};
}

std::optional<int64_t> read_number_file(const std::string& path) {
  auto text = process::read_proc_file(path);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front())))
    return std::nullopt;
  return std::strtoll(text.c_str(), nullptr, 10);
}

machine_facts read_machine() {
  machine_facts out;
  out.cores = static_cast<int>(std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0)
    out.affinity_cores = CPU_COUNT(&set);
  utsname os{};
  if (::uname(&os) == 0)
    out.kernel = std::string{os.sysname} + " " + os.release + " "
                 + os.machine;
  if (auto mem = read_meminfo())
    out.memory_total_bytes = mem->total_bytes;
  return out;
}

} // namespace snakepit::diagnostics
