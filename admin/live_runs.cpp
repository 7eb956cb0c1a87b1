#include "admin/live_runs.hpp"

#include "process/orphans.hpp"

#include <sys/stat.h>

namespace snakepit::admin {

std::string admin_socket_path(const std::string& run_path) {
  return run_path + "/" + admin_socket_name;
}

std::vector<live_run> find_live_runs(const std::string& base) {
  std::vector<live_run> result;
  for (auto& id : process::list_runs(base)) {
    auto path = base + "/" + id;
    auto socket = admin_socket_path(path);
    struct stat st;
    if (::lstat(socket.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)
        && process::run_is_live(path))
      result.push_back({id, std::move(path), std::move(socket)});
  }
  return result;
}

} // namespace snakepit::admin
