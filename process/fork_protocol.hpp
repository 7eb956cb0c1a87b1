#pragma once

/// The packets between a host and its fork server
/// (python/snakepit_bridge/fork_server.py has the other side): one JSON
/// object per SOCK_SEQPACKET packet. No CAF, no I/O besides `send_fork`.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace snakepit::process::fork_protocol {

/// The largest packet either side sends or reads.
inline constexpr std::size_t max_packet = 1 << 20;

/// The fork server has imported what it preloads and takes requests.
struct server_ready {
  int pid = 0;
  bool preloaded = false;
};

/// Request `id` was served: the worker runs as `pid`.
struct fork_started {
  int64_t id = 0;
  int pid = 0;
};

/// Request `id` was not served (-1 when the server could not tell which).
struct fork_refused {
  int64_t id = -1;
  std::string error;
};

/// A worker the server forked has ended; `status` is its raw wait status.
struct worker_exited {
  int pid = 0;
  int status = 0;
};

/// A packet that is none of the above: why.
struct bad_packet {
  std::string reason;
};

/// One packet from the fork server.
using server_packet = std::variant<server_ready, fork_started, fork_refused,
                                   worker_exited, bad_packet>;

/// Reads one packet. Accepts only a flat JSON object (no nesting at all),
/// so that no input can make the parser recurse or allocate much.
server_packet parse(std::string_view packet);

/// The packet of fork request `id`: the worker's command line after
/// `python -m snakepit_bridge`, and the environment to set in it.
std::string encode_fork(int64_t id, const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env);

/// Sends `packet` on the SOCK_SEQPACKET socket `socket` with `out` and
/// `err` (the worker's stdout and stderr) attached, without blocking.
/// Returns "" on success, else why it failed.
std::string send_fork(int socket, std::string_view packet, int out, int err);

} // namespace snakepit::process::fork_protocol
