#pragma once

/// Reaching a running host from the CLI: find its admin socket under the
/// config's run base and send it one admin request.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include <snakepit/config.hpp>

namespace snakepit::cli {

/// Which running host to talk to.
struct live_host_options {
  /// Run id of the host; empty: the only one running under the run base.
  std::string run_id;
};

/// Sends `request` to the admin socket of the running host chosen by
/// `opts` under `cfg`'s run base. Returns its `{"ok":true,...}` reply;
/// prints the problem to stderr and returns nullopt when no host or
/// several match, the host cannot be reached, or it answers an error.
std::optional<nlohmann::json> call_live_host(const host_config& cfg,
                                             const live_host_options& opts,
                                             const nlohmann::json& request);

} // namespace snakepit::cli
