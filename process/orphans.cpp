#include "process/orphans.hpp"

#include "process/proc_files.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace snakepit::process {

namespace {

bool all_digits(const char* s) {
  if (*s == '\0')
    return false;
  for (; *s != '\0'; ++s)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

std::string read_cmdline(int pid) {
  return read_proc_file("/proc/" + std::to_string(pid) + "/cmdline");
}

bool carries_run_id(const std::string& cmdline, std::string_view run_id) {
  std::string_view rest{cmdline};
  std::string_view previous;
  while (!rest.empty()) {
    auto end = rest.find('\0');
    auto arg = rest.substr(0, end);
    if (previous == run_id_flag && arg == run_id)
      return true;
    previous = arg;
    if (end == std::string_view::npos)
      break;
    rest.remove_prefix(end + 1);
  }
  return false;
}

/// Kills `pid` and its process group unless the group is our own.
void kill_orphan(int pid, const std::string& run_id) {
  auto group = ::getpgid(pid);
  if (group > 1 && group != ::getpgrp())
    ::killpg(group, SIGKILL);
  ::kill(pid, SIGKILL);
  spdlog::warn("killed orphan pid {} (process group {}) of dead run {}", pid,
               group, run_id);
}

} // namespace

bool is_run_id(std::string_view name) {
  if (name.size() < 8 || name.size() > 16)
    return false;
  for (char c : name)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

std::vector<int> find_run_processes(std::string_view run_id) {
  std::vector<int> result;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr)
    return result;
  auto self = ::getpid();
  auto uid = ::geteuid();
  while (auto* entry = ::readdir(proc)) {
    if (!all_digits(entry->d_name))
      continue;
    int pid = std::atoi(entry->d_name);
    struct stat st;
    if (pid == self || ::fstatat(dirfd(proc), entry->d_name, &st, 0) != 0
        || st.st_uid != uid)
      continue;
    if (carries_run_id(read_cmdline(pid), run_id))
      result.push_back(pid);
  }
  ::closedir(proc);
  return result;
}

std::vector<std::string> list_runs(const std::string& base) {
  std::vector<std::string> result;
  std::error_code ec;
  for (fs::directory_iterator i{base, ec}, end; !ec && i != end;
       i.increment(ec)) {
    auto id = i->path().filename().string();
    std::error_code type_ec;
    if (is_run_id(id) && !i->is_symlink(type_ec)
        && i->is_directory(type_ec))
      result.push_back(std::move(id));
  }
  std::sort(result.begin(), result.end());
  return result;
}

run_lock_attempt try_lock_run(const std::string& run_path) {
  auto lock_path = run_path + "/" + host_lock_name;
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return {};
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0)
    return {fd, false};
  bool held = errno == EWOULDBLOCK;
  ::close(fd);
  return {-1, held};
}

bool run_is_live(const std::string& run_path) {
  auto attempt = try_lock_run(run_path);
  if (attempt.fd >= 0)
    ::close(attempt.fd);
  return attempt.held;
}

int reap_orphans(const std::string& base) {
  // Stale runs, each with its lock held by us until its directory is gone.
  std::map<std::string, int> stale;
  for (auto& id : list_runs(base))
    if (auto attempt = try_lock_run(base + "/" + id); attempt.fd >= 0)
      stale.emplace(id, attempt.fd);
  std::error_code ec;
  int killed = 0;
  for (auto& [id, fd] : stale) {
    for (int pid : find_run_processes(id)) {
      kill_orphan(pid, id);
      ++killed;
    }
    auto dir = fs::path{base} / id;
    fs::remove_all(dir, ec);
    if (ec)
      spdlog::warn("cannot remove stale run directory {}: {}", dir.string(),
                   ec.message());
    else
      spdlog::info("removed stale run directory {}", dir.string());
    ::close(fd);
  }
  return killed;
}

} // namespace snakepit::process
