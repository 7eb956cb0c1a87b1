#pragma once

/// Helpers of the tests of pools across hosts: a `snakepit run` process
/// serving its pools, a host in the test process reaching them, raw peers.

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <snakepit/snakepit.hpp>

#include "support.hpp"

namespace snakepit::it {

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

/// A raw TCP connection to 127.0.0.1:`port` (its file descriptor).
int connect_raw(int port);

/// Writes the config of a host serving a pool "default" of `size` showcase
/// workers on 127.0.0.1:`port` (0: any free port), with `extra` TOML
/// appended to its `[cluster]` table (e.g. a `[cluster.tls]` table).
std::string serving_config(const temp_dir& tmp, int port, int size = 2,
                           const std::string& extra = "");

/// Waits until `server` (`snakepit run`) serves; the port it serves the
/// pools on.
int start_server(child_process& server);

/// Starts `snakepit run` on `config` (a `serving_config` for `port`) and
/// waits until it serves on `port`; for tests that kill and restart it.
std::unique_ptr<child_process> serve_on_port(const std::string& config,
                                             int port);

/// A host config whose only pools are remote: "far" (the pool "default"
/// of the host at `port`) and any `more`; quick heartbeats and backoff.
host_config client_config(const temp_dir& tmp, int port,
                          std::vector<remote_pool_config> more = {});

/// Starts a host on `cfg` that does not serve (no admin socket).
std::unique_ptr<host> start_client(host_config cfg);

/// Waits until remote pool `pool` of `h` is connected (its status not
/// failed), e.g. after its host restarted.
void await_connected(host& h, const std::string& pool);

/// `client_config` plus a local pool "near" of `near_size` workers and the
/// group "both" of near and far with `strategy` (status every 100 ms).
host_config group_config(const temp_dir& tmp, int port, int near_size,
                         group_strategy strategy);

/// Streams through `pool` of `h`: 3 binary chunks of 1000 bytes cross as
/// bytes, and a cancel after the first chunk of an endless stream reaches
/// the generator (the end says `cancelled`).
void check_binary_stream_and_cancel(host& h, const std::string& pool);

/// `session_add` of 1 in session `session` through `pool` of `h` (the
/// showcase keeps a running total per session); its reply.
execute_reply session_add(host& h, const std::string& pool,
                          const std::string& session);

/// The running total of a `session_add` reply.
int total_of(const execute_reply& reply);

/// The test process's own Python workers are gone once its host is.
void check_no_local_workers();

} // namespace snakepit::it
