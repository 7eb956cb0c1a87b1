#include "live_host.hpp"

#include <iostream>

#include "admin/admin_client.hpp"
#include "admin/live_runs.hpp"
#include "process/run_directory.hpp"

namespace snakepit::cli {

namespace {

/// How long a running host may take to answer an admin request.
constexpr std::chrono::seconds admin_timeout{15};

std::optional<admin::live_run> choose_run(const std::string& base,
                                          const std::string& run_id) {
  auto runs = admin::find_live_runs(base);
  if (!run_id.empty()) {
    for (auto& run : runs)
      if (run.run_id == run_id)
        return run;
    std::cerr << "no running snakepit host with run id " << run_id
              << " under " << base << '\n';
    return std::nullopt;
  }
  if (runs.size() == 1)
    return runs.front();
  if (runs.empty()) {
    std::cerr << "no running snakepit host found under " << base
              << " (start one with `snakepit run`; give -c with the "
                 "config it runs if it sets run_dir)\n";
    return std::nullopt;
  }
  std::cerr << runs.size() << " snakepit hosts are running under " << base
            << "; choose one with --run:";
  for (const auto& run : runs)
    std::cerr << ' ' << run.run_id;
  std::cerr << '\n';
  return std::nullopt;
}

} // namespace

std::optional<nlohmann::json> call_live_host(const host_config& cfg,
                                             const live_host_options& opts,
                                             const nlohmann::json& request) {
  auto base = cfg.run_dir.empty() ? process::default_run_base() : cfg.run_dir;
  auto run = choose_run(base, opts.run_id);
  if (!run)
    return std::nullopt;
  auto result = admin::admin_call(run->admin_socket, request, admin_timeout);
  if (auto* err = std::get_if<std::string>(&result)) {
    std::cerr << *err << '\n';
    return std::nullopt;
  }
  auto& reply = std::get<nlohmann::json>(result);
  if (!reply.value("ok", false)) {
    std::cerr << reply.value("error", std::string{"the host refused"})
              << '\n';
    return std::nullopt;
  }
  return std::move(reply);
}

} // namespace snakepit::cli
