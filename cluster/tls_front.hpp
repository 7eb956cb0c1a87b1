#pragma once

/// Mutual TLS between hosts (`[cluster.tls]`; docs/distribution.md).
/// CAF's own TLS module (libcaf_openssl 0.17.6) spins a core on a peer that
/// stalls its handshake, checks no host names and falls back to anonymous
/// TLS; so hosts speak CAF's plain protocol over loopback only, and this
/// front carries it between machines:
///
/// - serving: the front accepts mutual TLS on `[cluster] listen` and pipes
///   each connection to the host's gateway, published on a loopback port;
/// - dialing: for each remote node, the front listens on a loopback port
///   where CAF connects, and pipes each connection over mutual TLS to the
///   node, whose certificate must name the node's host.
///
/// Both ways a peer must present a certificate of the cluster's CA and
/// finish connecting within `handshake_timeout`; a peer announcing a
/// message above `max_message_mb` is dropped (core/frame_guard.hpp), and
/// `listen` serves at most `max_connections` connections at once. All of
/// it runs on one I/O thread of the front's own.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include <snakepit/config.hpp>

#include "core/config_checker.hpp"

namespace snakepit {

/// What a front has seen since it started; every count only grows.
struct tls_front_counters {
  /// Connections piped after a successful handshake.
  uint64_t piped = 0;
  /// Handshakes that failed: no certificate, another CA, a wrong name,
  /// not TLS at all.
  uint64_t refused = 0;
  /// Peers that did not finish connecting in time.
  uint64_t timed_out = 0;
  /// Connections dropped for announcing a message above the limit.
  uint64_t oversized = 0;
  /// Connections closed at once because `max_connections` were open.
  uint64_t over_capacity = 0;
};

/// One host's mutual-TLS front; thread-safe.
class tls_front {
public:
  /// Loads the certificate, key and CA of `tls` and starts the I/O
  /// thread; the problem in words (naming the key) when a file is not a
  /// usable PEM file or the key does not match the certificate.
  static std::variant<std::shared_ptr<tls_front>, std::string>
  start(const cluster_tls_config& tls);

  /// Closes every listener and connection and joins the I/O thread.
  ~tls_front();

  tls_front(const tls_front&) = delete;
  tls_front& operator=(const tls_front&) = delete;

  /// Accepts mutual TLS at `listen` and pipes each connection to
  /// 127.0.0.1:`to_port`. The port listened on (the one picked when
  /// `listen` says 0), or the problem in words.
  std::variant<uint16_t, std::string> serve(const endpoint& listen,
                                            uint16_t to_port);

  /// Stops accepting on `port` (a port `serve` returned); connections
  /// already piped go on until either side closes.
  void stop_serving(uint16_t port);

  /// A loopback port whose connections the front pipes over mutual TLS to
  /// `node`; the same port for the same node. The problem in words when
  /// no loopback port can be opened.
  std::variant<uint16_t, std::string> dial(const endpoint& node);

  /// Why the last connection to `node` failed before it was piped (TCP,
  /// TLS or the certificate check), or empty.
  std::string last_problem(const endpoint& node) const;

  /// What the front has seen so far.
  tls_front_counters counters() const;

private:
  struct impl;
  explicit tls_front(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace snakepit
