// The rules of the `[cluster]` table and of `[[remote_pools]]`
// (docs/configuration.md, docs/distribution.md).

#include "core/config_checker.hpp"

#include "core/duration.hpp"

namespace snakepit {

namespace {

/// Why an address that is not loopback is refused, for now.
constexpr const char* needs_tls
  = " is not a loopback address: serving or reaching pools across "
    "machines needs mutual TLS, which this version does not have yet; use "
    "\"127.0.0.1\", \"::1\" or \"localhost\"";

/// Checks that `text` is "address:port" on loopback; `any_port` allows
/// port 0 (listen: any free port).
void loopback_endpoint(checker& check, const std::string& key,
                       const std::string& text, bool any_port) {
  auto parsed = parse_endpoint(text);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    check.fail(key, *problem);
    return;
  }
  const auto& at = std::get<endpoint>(parsed);
  if (at.port == 0 && !any_port)
    check.fail(key, quoted(text) + ": the port must be from 1 to 65535");
  switch (classify_address(at.host)) {
    case address_kind::invalid:
      check.fail(key, quoted(at.host)
                        + " is not an IP address (e.g. \"127.0.0.1\" or "
                          "\"::1\") nor \"localhost\"");
      break;
    case address_kind::other:
      check.fail(key, quoted(at.host) + needs_tls);
      break;
    case address_kind::loopback:
      break;
  }
}

} // namespace

void validate_cluster(checker& check, const cluster_config& cluster) {
  if (!cluster.listen.empty())
    loopback_endpoint(check, "cluster.listen", cluster.listen, true);
  check.duration("cluster.heartbeat", cluster.heartbeat, true, false);
  check.duration("cluster.node_timeout", cluster.node_timeout, false, false);
  if (cluster.heartbeat.count() > 0 && cluster.node_timeout.count() > 0
      && cluster.node_timeout < 2 * cluster.heartbeat)
    check.fail("cluster.node_timeout",
               "must be at least twice heartbeat ("
                 + format_duration(2 * cluster.heartbeat) + "), got "
                 + format_duration(cluster.node_timeout));
}

void validate_remote_pool(checker& check, const remote_pool_config& remote,
                          const std::string& prefix) {
  check_pool_name(check, prefix + "name", remote.name);
  if (remote.node.empty())
    check.fail(prefix + "node", "must name the other host, \"address:port\"");
  else
    loopback_endpoint(check, prefix + "node", remote.node, false);
  check_pool_name(check, prefix + "pool", remote.pool);
  check.duration(prefix + "connect_timeout", remote.connect_timeout, false,
                 false);
  check.duration(prefix + "reconnect_backoff", remote.reconnect_backoff,
                 false, false);
  check.duration(prefix + "reconnect_backoff_max",
                 remote.reconnect_backoff_max, false, false);
  check.no_less_than(prefix + "reconnect_backoff_max",
                     remote.reconnect_backoff_max, "reconnect_backoff",
                     remote.reconnect_backoff);
  check.duration(prefix + "reply_timeout", remote.reply_timeout, false,
                 false);
}

} // namespace snakepit
