#include "process/run_directory.hpp"

#include "process/orphans.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace snakepit::process {

namespace {

constexpr std::size_t run_id_length = 12;

/// Room kept for "<worker name>.sock" when choosing a default base.
constexpr std::size_t socket_name_budget = 40;

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string random_hex(std::size_t length) {
  static constexpr char digits[] = "0123456789abcdef";
  std::random_device device;
  std::uniform_int_distribution<int> pick{0, 15};
  std::string result;
  for (std::size_t i = 0; i < length; ++i)
    result += digits[pick(device)];
  return result;
}

/// Empty when `base` exists (created if missing) and only we can use it.
std::string ensure_private_base(const std::string& base) {
  if (base.empty() || base.front() != '/')
    return "run base '" + base + "' is not an absolute path";
  if (::mkdir(base.c_str(), 0700) != 0 && errno != EEXIST)
    return "cannot create run base '" + base + "': " + errno_text(errno);
  struct stat st;
  if (::lstat(base.c_str(), &st) != 0)
    return "cannot inspect run base '" + base + "': " + errno_text(errno);
  if (S_ISLNK(st.st_mode))
    return "refusing run base '" + base + "': it is a symbolic link";
  if (!S_ISDIR(st.st_mode))
    return "refusing run base '" + base + "': it is not a directory";
  if (st.st_uid != ::geteuid())
    return "refusing run base '" + base + "': owned by uid "
           + std::to_string(st.st_uid) + ", not by us (uid "
           + std::to_string(::geteuid()) + ")";
  if ((st.st_mode & 077) != 0)
    return "refusing run base '" + base + "': mode "
           + octal_mode(st.st_mode)
           + " lets group or others in; it must be 0700";
  return {};
}

/// Empty when `name` can be a file name inside the run directory.
std::string check_worker_name(const std::string& name) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  };
  if (name.empty() || name.front() == '.'
      || !std::all_of(name.begin(), name.end(), ok))
    return "invalid worker name '" + name
           + "': use letters, digits, '_', '-' and '.', not first";
  return {};
}

} // namespace

std::string default_run_base() {
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR");
      xdg != nullptr && xdg[0] == '/') {
    auto base = std::string{xdg} + "/snakepit";
    auto longest = base.size() + 1 + run_id_length + 1 + socket_name_budget
                   + std::strlen(".sock");
    struct stat st;
    if (longest <= max_socket_path && ::stat(xdg, &st) == 0
        && S_ISDIR(st.st_mode))
      return base;
  }
  return "/tmp/snakepit-" + std::to_string(::geteuid());
}

std::variant<run_directory, std::string>
run_directory::create(const std::string& base) {
  if (auto error = ensure_private_base(base); !error.empty())
    return error;
  reap_orphans(base);
  // Built under a hidden name and renamed once locked, so that no other
  // host ever sees this run unlocked and mistakes it for a dead one.
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto id = random_hex(run_id_length);
    auto building = base + "/." + id + ".new";
    auto path = base + "/" + id;
    if (::mkdir(building.c_str(), 0700) != 0) {
      if (errno == EEXIST)
        continue;
      return "cannot create '" + building + "': " + errno_text(errno);
    }
    auto lock_path = building + "/" + host_lock_name;
    int fd = ::open(lock_path.c_str(),
                    O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
    std::string error;
    if (fd < 0)
      error = "cannot create '" + lock_path + "': " + errno_text(errno);
    else if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
      error = "cannot lock '" + lock_path + "': " + errno_text(errno);
    else if (::renameat2(AT_FDCWD, building.c_str(), AT_FDCWD, path.c_str(),
                         RENAME_NOREPLACE)
             == 0)
      return run_directory{id, path, fd};
    else if (errno != EEXIST)
      error = "cannot create '" + path + "': " + errno_text(errno);
    std::error_code ec;
    fs::remove_all(building, ec);
    if (fd >= 0)
      ::close(fd);
    if (!error.empty())
      return error;
  }
  return "cannot create a run directory under '" + base
         + "': every random id was taken";
}

run_directory::run_directory(std::string run_id, std::string path,
                             int lock_fd)
  : run_id_(std::move(run_id)), path_(std::move(path)), lock_fd_(lock_fd) {
  // nop
}

run_directory::run_directory(run_directory&& other) noexcept
  : run_id_(std::move(other.run_id_)),
    path_(std::move(other.path_)),
    lock_fd_(std::exchange(other.lock_fd_, -1)) {
  // nop
}

run_directory& run_directory::operator=(run_directory&& other) noexcept {
  if (this != &other) {
    release();
    run_id_ = std::move(other.run_id_);
    path_ = std::move(other.path_);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
  }
  return *this;
}

run_directory::~run_directory() {
  release();
}

void run_directory::release() noexcept {
  if (lock_fd_ < 0)
    return;
  // Removed while still locked, so no other host reaps it half-removed.
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec)
    spdlog::warn("cannot remove run directory {}: {}", path_, ec.message());
  ::close(lock_fd_);
  lock_fd_ = -1;
}

path_result run_directory::socket_path(const std::string& worker_name) const {
  if (auto error = check_worker_name(worker_name); !error.empty())
    return {{}, std::move(error)};
  auto path = path_ + "/" + worker_name + ".sock";
  if (path.size() > max_socket_path)
    return {{},
            "socket path '" + path + "' is " + std::to_string(path.size())
              + " bytes, over the limit of "
              + std::to_string(max_socket_path)
              + "; use a shorter worker name or run base"};
  return {std::move(path), {}};
}

path_result
run_directory::ready_file_path(const std::string& worker_name) const {
  if (auto error = check_worker_name(worker_name); !error.empty())
    return {{}, std::move(error)};
  return {path_ + "/" + worker_name + ".ready", {}};
}

} // namespace snakepit::process
