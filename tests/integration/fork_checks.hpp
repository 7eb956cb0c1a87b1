#pragma once

/// Checks shared by the fork server's pool-level tests
/// (fork_server_test.cpp, fork_server_failure_test.cpp).

#include <catch2/catch.hpp>

#include <unistd.h>

#include "host_fixture.hpp"

namespace snakepit::it {

/// True (and says so) when the first pool of `cfg` has no fork server to
/// test: the suite runs on gRPC too, whose pools never fork.
inline bool skipped_without_fork_server(const host_config& cfg) {
  if (uses_fork_server(cfg.pools.at(0)))
    return false;
  WARN("skipped: only native pools have a fork server");
  return true;
}

/// The pid of the one fork server of this process (the host).
inline int only_fork_server() {
  auto servers = fork_servers_of(::getpid());
  REQUIRE(servers.size() == 1);
  return servers.front();
}

/// Checks that every worker of `st` was forked by `server`.
inline void check_forked_by(const pool_snapshot& st, int server) {
  for (const auto& w : st.workers) {
    INFO(w.id << " pid " << w.info.pid);
    CHECK(fork_server_of(w.info.pid) == server);
  }
}

} // namespace snakepit::it
