#include "cli_support.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

namespace snakepit::cli {

std::optional<host_config> prepare(const std::string& config_path,
                                   const std::string& log_level) {
  std::optional<host_config> cfg = default_config();
  if (!config_path.empty()) {
    auto loaded = load_config_file(config_path);
    if (!loaded) {
      std::cerr << loaded.error().message << '\n';
      return std::nullopt;
    }
    cfg = std::move(*loaded);
  }
  const auto& level = log_level.empty() ? cfg->log_level : log_level;
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    std::cerr << "unknown log level '" << level
              << "' (use trace, debug, info, warn, error or off)\n";
    return std::nullopt;
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("snakepit"));
  spdlog::set_level(lvl);
  spdlog::set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
  return cfg;
}

std::string describe_pool(const pool_snapshot& s) {
  if (s.failed.code != error_code::none)
    return "pool " + s.name + ": FAILED: " + describe(s.failed);
  std::string text = "pool " + s.name + ": " + s.profile + " profile, "
                     + std::to_string(s.ready) + "/" + std::to_string(s.size)
                     + " workers ready, " + std::to_string(s.total_slots)
                     + " slots";
  if (!s.workers.empty()) {
    const auto& info = s.workers.front().info;
    text += ", " + info.implementation + " " + info.python_version + " ("
            + info.executable + ", GIL "
            + (info.gil_enabled ? "enabled" : "disabled") + ")";
  }
  return text;
}

} // namespace snakepit::cli
