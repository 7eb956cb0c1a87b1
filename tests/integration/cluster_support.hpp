#pragma once

/// Helpers of the tests of pools across hosts (cluster_test.cpp,
/// cluster_group_test.cpp): a `snakepit run` process serving a pool on
/// loopback, and a host in the test process that reaches it.

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <snakepit/snakepit.hpp>

#include "support.hpp"

namespace snakepit::it {

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

/// Writes the config of a host serving a pool "default" of `size` showcase
/// workers on 127.0.0.1:`port` (0: any free port).
std::string serving_config(const temp_dir& tmp, int port, int size = 2);

/// Waits until `server` (`snakepit run`) serves; the port it serves the
/// pools on.
int start_server(child_process& server);

/// A host config whose only pools are remote: "far" (the pool "default"
/// of the host at `port`) and any `more`; quick heartbeats and backoff.
host_config client_config(const temp_dir& tmp, int port,
                          std::vector<remote_pool_config> more = {});

/// Starts a host on `cfg` that does not serve (no admin socket).
std::unique_ptr<host> start_client(host_config cfg);

} // namespace snakepit::it
