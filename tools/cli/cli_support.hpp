#pragma once

/// What the subcommands share: loading the config and setting up logging,
/// and rendering a pool's status.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <snakepit/snakepit.hpp>

namespace snakepit::cli {

/// Loads the config at `config_path` (the built-in default when empty) and
/// sets up logging to stderr at `log_level`, or at the config's level when
/// `log_level` is empty. Prints every problem to stderr and returns nullopt
/// on any.
std::optional<host_config> prepare(const std::string& config_path,
                                   const std::string& log_level);

/// Renders one pool's status for humans, one line.
std::string describe_pool(const pool_snapshot& s);

} // namespace snakepit::cli
