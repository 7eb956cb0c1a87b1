#pragma once

/// The private per-run directory holding worker sockets and ready files:
/// `<base>/<run id>/`, mode 0700, locked by its host for its lifetime.

#include <cstddef>
#include <string>
#include <variant>

namespace snakepit::process {

/// A filesystem path, or the reason there is none.
struct path_result {
  /// The path; empty on error.
  std::string path;
  /// Why the path cannot be used; empty on success.
  std::string error;

  /// True when `path` is usable.
  explicit operator bool() const {
    return error.empty();
  }
};

/// Longest unix socket path the kernel accepts (sun_path minus the NUL).
inline constexpr std::size_t max_socket_path = 107;

/// `$XDG_RUNTIME_DIR/snakepit` when that variable names an existing
/// directory and leaves room for socket paths, else `/tmp/snakepit-<uid>`.
std::string default_run_base();

/// This host's run directory. Creating it refuses an unsafe base, reaps the
/// orphans of dead runs under the base, then creates `<base>/<run id>` and
/// holds an exclusive flock on its `host.lock` until destroyed, which marks
/// the run as live for other hosts. The destructor removes the directory.
class run_directory {
public:
  /// Creates `base` (mode 0700) if missing, refusing a base that is a
  /// symlink, not a directory, not owned by us, or open to group or others;
  /// calls `reap_orphans(base)`; then creates and locks a fresh run
  /// directory. Returns the error, naming the path, on failure.
  static std::variant<run_directory, std::string>
  create(const std::string& base);

  /// Moves ownership (and the lock).
  run_directory(run_directory&& other) noexcept;

  /// Removes this directory, then takes over `other`'s.
  run_directory& operator=(run_directory&& other) noexcept;

  run_directory(const run_directory&) = delete;
  run_directory& operator=(const run_directory&) = delete;

  /// Removes the directory and releases the lock.
  ~run_directory();

  /// Random hex id of this run; workers get it as
  /// `--snakepit-run-id <id>` so a later host can reap them.
  const std::string& run_id() const {
    return run_id_;
  }

  /// Absolute path of the run directory.
  const std::string& path() const {
    return path_;
  }

  /// `<path>/<worker_name>.sock`, or an error when the name is not a plain
  /// file name ([A-Za-z0-9_.-], not starting with '.') or the path exceeds
  /// `max_socket_path` bytes.
  path_result socket_path(const std::string& worker_name) const;

  /// `<path>/<worker_name>.ready`, or an error for a bad name (as above).
  path_result ready_file_path(const std::string& worker_name) const;

private:
  run_directory(std::string run_id, std::string path, int lock_fd);

  void release() noexcept;

  std::string run_id_;
  std::string path_;
  int lock_fd_ = -1;
};

} // namespace snakepit::process
