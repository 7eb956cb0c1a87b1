#pragma once

/// `snakepit inspect --node host:port`: reads the pools of another host
/// through the gateway it serves at `[cluster] listen`
/// (docs/distribution.md), over mutual TLS with the config's
/// `[cluster.tls]`, as the host's own remote pools would reach it.

#include <memory>
#include <string>

#include <snakepit/config.hpp>

#include "commands.hpp"

namespace snakepit::cli {

/// A connection to another host's gateway, for inspecting its pools.
class node_inspector {
public:
  /// Connects to `node` ("host:port") with `cfg`'s cluster settings; prints
  /// why to stderr and returns null when the node is refused by the rules
  /// of a remote pool's `node` or cannot be reached.
  static std::unique_ptr<node_inspector> connect(const host_config& cfg,
                                                 const std::string& node);

  ~node_inspector();

  /// Prints the node's pools (`opts.pool` only, when set) as `opts.format`
  /// says; false when the node did not answer.
  bool print(const inspect_options& opts);

private:
  struct state;
  explicit node_inspector(std::unique_ptr<state> st);
  std::unique_ptr<state> st_;
};

} // namespace snakepit::cli
