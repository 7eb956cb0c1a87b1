#include "diagnostics/socket_rule.hpp"

#include "process/run_directory.hpp"

namespace snakepit::diagnostics {

std::string longest_socket_path(const std::string& run_base,
                                const demand& need) {
  std::string longest;
  for (const auto& pool : need.pools) {
    auto path = run_base + "/" + std::string(run_id_chars, 'x') + "/w"
                + std::to_string(pool.size) + "-" + pool.name + ".sock";
    if (path.size() > longest.size())
      longest = std::move(path);
  }
  return longest;
}

finding check_socket_path(const std::string& run_base, const demand& need) {
  finding f;
  f.name = "socket_path";
  auto path = longest_socket_path(run_base, need);
  auto limit = static_cast<int64_t>(process::max_socket_path);
  auto headroom = limit - static_cast<int64_t>(path.size());
  f.add("run_base", run_base)
    .add("longest_path", path)
    .add("length", static_cast<int64_t>(path.size()))
    .add("limit", limit)
    .add("headroom_bytes", headroom);
  f.summary = "longest worker socket path " + std::to_string(path.size())
              + " of " + std::to_string(limit) + " bytes ("
              + std::to_string(headroom) + " to spare)";
  const std::string shorten =
    "Use a shorter run_dir (e.g. under /run or /tmp) or shorter pool "
    "names.";
  if (headroom < 0) {
    f.status = status::critical;
    f.advice = "Workers cannot bind their sockets and the pools fail to "
               "start. "
               + shorten;
  } else if (headroom < static_cast<int64_t>(key_growth_bytes)) {
    f.status = status::warning;
    f.advice = "Worker keys grow with every restart and recycle, and "
               "socket names with them: a long-running host may outgrow the "
               "limit. "
               + shorten;
  } else {
    f.advice = "Room for keys to grow with restarts and recycles.";
  }
  return f;
}

} // namespace snakepit::diagnostics
