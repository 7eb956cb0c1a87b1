// The rules of the `[cluster]` table (with `[cluster.tls]`), of
// `[[remote_pools]]` and of `[[pool_groups]]` (docs/configuration.md,
// docs/distribution.md).

#include "core/config_checker.hpp"

#include "core/duration.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>

namespace snakepit {

namespace {

/// Why an address that is not loopback is refused without TLS.
constexpr const char* needs_tls
  = " is not a loopback address: serving or reaching pools across "
    "machines needs mutual TLS; set [cluster.tls] (docs/distribution.md) "
    "or use \"127.0.0.1\", \"::1\" or \"localhost\"";

/// True when `name` can be a DNS host name: letters, digits, '-' and '.',
/// 1-253 characters.
bool host_name_like(const std::string& name) {
  if (name.empty() || name.size() > 253)
    return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-'
          || c == '.'))
      return false;
  return true;
}

/// Checks `text` as "address:port". `any_port` allows port 0 (listen: any
/// free port); `tls` allows addresses other than loopback; `names` allows
/// host names (a node reached over TLS, whose certificate names it).
void check_endpoint(checker& check, const std::string& key,
                    const std::string& text, bool any_port, bool tls,
                    bool names) {
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
      if (!(names && host_name_like(at.host)))
        check.fail(key, quoted(at.host)
                          + (names ? " is not an IP address nor a host name"
                                   : " is not an IP address (e.g. "
                                     "\"127.0.0.1\" or \"0.0.0.0\") nor "
                                     "\"localhost\""));
      else if (!tls)
        check.fail(key, quoted(at.host) + needs_tls);
      break;
    case address_kind::other:
      if (!tls)
        check.fail(key, quoted(at.host) + needs_tls);
      break;
    case address_kind::loopback:
      break;
  }
}

/// A PEM file of `[cluster.tls]`: named, and readable by this process.
void readable_file(checker& check, const std::string& key,
                   const std::string& path) {
  if (path.empty())
    check.fail(key, "must name a PEM file (mutual TLS needs a certificate, "
                    "its key and the cluster's CA)");
  else if (::access(path.c_str(), R_OK) != 0)
    check.fail(key, "cannot read " + quoted(path) + ": "
                      + std::string{std::strerror(errno)});
}

void validate_tls(checker& check, const cluster_tls_config& tls) {
  readable_file(check, "cluster.tls.certificate", tls.certificate);
  readable_file(check, "cluster.tls.key", tls.key);
  readable_file(check, "cluster.tls.ca", tls.ca);
  check.duration("cluster.tls.handshake_timeout", tls.handshake_timeout,
                 false, false);
  // BASP announces a message's size in 32 bits.
  check.between("cluster.tls.max_message_mb", tls.max_message_mb, 1, 4095);
  check.between("cluster.tls.max_connections", tls.max_connections, 1,
                100000);
}

} // namespace

std::string to_string(group_strategy strategy) {
  return strategy == group_strategy::round_robin ? "round_robin"
                                                 : "least_loaded";
}

std::optional<group_strategy>
group_strategy_from_string(std::string_view text) {
  if (text == "least_loaded")
    return group_strategy::least_loaded;
  if (text == "round_robin")
    return group_strategy::round_robin;
  return std::nullopt;
}

bool remote_uses_tls(const remote_pool_config& remote,
                     const cluster_config& cluster) {
  return remote.tls.value_or(cluster.tls.has_value());
}

void validate_cluster(checker& check, const cluster_config& cluster) {
  if (!cluster.listen.empty())
    check_endpoint(check, "cluster.listen", cluster.listen, true,
                   cluster.tls.has_value(), false);
  check.duration("cluster.heartbeat", cluster.heartbeat, true, false);
  check.duration("cluster.node_timeout", cluster.node_timeout, false, false);
  if (cluster.heartbeat.count() > 0 && cluster.node_timeout.count() > 0
      && cluster.node_timeout < 2 * cluster.heartbeat)
    check.fail("cluster.node_timeout",
               "must be at least twice heartbeat ("
                 + format_duration(2 * cluster.heartbeat) + "), got "
                 + format_duration(cluster.node_timeout));
  if (cluster.tls)
    validate_tls(check, *cluster.tls);
}

void validate_remote_pool(checker& check, const remote_pool_config& remote,
                          const cluster_config& cluster,
                          const std::string& prefix) {
  check_pool_name(check, prefix + "name", remote.name);
  bool tls = remote_uses_tls(remote, cluster);
  if (tls && !cluster.tls)
    check.fail(prefix + "tls", "is true, but [cluster.tls] names no "
                               "certificate for this host to present");
  if (remote.node.empty())
    check.fail(prefix + "node", "must name the other host, \"address:port\"");
  else
    check_endpoint(check, prefix + "node", remote.node, false, tls, true);
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
  check.duration(prefix + "session_ttl", remote.session_ttl, false, true);
  check.between(prefix + "max_sessions", remote.max_sessions, 1, 1000000);
}

void validate_pool_group(checker& check, const pool_group_config& group,
                         const host_config& cfg, const std::string& prefix) {
  check_pool_name(check, prefix + "name", group.name);
  if (group.members.empty())
    check.fail(prefix + "members", "must name at least one pool");
  std::set<std::string> seen;
  for (size_t i = 0; i < group.members.size(); ++i) {
    const auto& member = group.members[i];
    auto key = prefix + "members[" + std::to_string(i) + "]";
    if (!seen.insert(member).second) {
      check.fail(key, quoted(member) + " is listed twice");
      continue;
    }
    bool pool = false;
    for (const auto& p : cfg.pools)
      pool = pool || p.name == member;
    for (const auto& r : cfg.remote_pools)
      pool = pool || r.name == member;
    bool is_group = false;
    for (const auto& g : cfg.pool_groups)
      is_group = is_group || g.name == member;
    if (pool)
      continue;
    if (is_group)
      check.fail(key, quoted(member)
                        + " is a pool group; a group's members are pools "
                          "and remote pools");
    else
      check.fail(key, quoted(member)
                        + " is not a pool or remote pool of this host");
  }
  check.duration(prefix + "status_interval", group.status_interval, false,
                 false);
  check.duration(prefix + "session_ttl", group.session_ttl, false, true);
  check.between(prefix + "max_sessions", group.max_sessions, 1, 1000000);
  // A group that forgot a session before its member did would send its
  // next request to another member, where its state is not.
  auto no_shorter = [&](const std::string& member,
                        std::chrono::milliseconds ttl) {
    if (seen.count(member) > 0 && ttl > group.session_ttl
        && group.session_ttl.count() > 0)
      check.fail(prefix + "session_ttl",
                 "is " + format_duration(group.session_ttl)
                   + ", shorter than the session_ttl of member " + member
                   + " (" + format_duration(ttl)
                   + "): the group would forget sessions its member still "
                     "holds");
  };
  for (const auto& p : cfg.pools)
    no_shorter(p.name, p.session_ttl);
  for (const auto& r : cfg.remote_pools)
    no_shorter(r.name, r.session_ttl);
}

} // namespace snakepit
