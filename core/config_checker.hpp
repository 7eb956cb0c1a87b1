#pragma once

/// Internal to the configuration code: the helper that collects the
/// problems of a configuration's values, shared by the checks of pools,
/// telemetry and the cluster, and what they make of addresses.

#include <chrono>
#include <variant>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_check.hpp"

namespace snakepit {

/// `s` in double quotes, for problems that quote a value.
std::string quoted(std::string_view s);

/// Adds one `config_error` per problem found to the list it was given.
class checker {
public:
  explicit checker(std::vector<config_error>& errors) : errors_(errors) {
  }

  /// Adds the problem `problem` of `key`.
  void fail(std::string key, std::string problem);

  /// `value` must be at least `min`.
  void at_least(const std::string& key, long long value, long long min);

  /// `value` must be in [min, max].
  void between(const std::string& key, long long value, long long min,
               long long max);

  /// `value` must not be empty.
  void not_empty(const std::string& key, const std::string& value);

  /// Zero is valid only with `allow_zero`, infinity only with
  /// `allow_infinity`; negative durations never are.
  void duration(const std::string& key, std::chrono::milliseconds value,
                bool allow_zero, bool allow_infinity);

  /// `value` (of `key`) must be at least `floor`, the value of the key
  /// `floor_key`, e.g. a backoff's cap at least the backoff.
  void no_less_than(const std::string& key, std::chrono::milliseconds value,
                    const std::string& floor_key,
                    std::chrono::milliseconds floor);

private:
  std::vector<config_error>& errors_;
};

/// A pool's (or remote pool's) name: [A-Za-z0-9_-], 1-64 characters.
void check_pool_name(checker& check, const std::string& key,
                     const std::string& name);

/// The `[cluster]` table (config_cluster.cpp).
void validate_cluster(checker& check, const cluster_config& cluster);

/// One `[[remote_pools]]` entry, its keys prefixed with `prefix`;
/// `cluster` tells whether it may use TLS.
void validate_remote_pool(checker& check, const remote_pool_config& remote,
                          const cluster_config& cluster,
                          const std::string& prefix);

/// One `[[pool_groups]]` entry of `cfg`, its keys prefixed with `prefix`.
void validate_pool_group(checker& check, const pool_group_config& group,
                         const host_config& cfg, const std::string& prefix);

/// Whether `remote` connects over TLS: its `tls`, else whether `cluster`
/// has `[cluster.tls]`.
bool remote_uses_tls(const remote_pool_config& remote,
                     const cluster_config& cluster);

/// What an address names, for the rules on where a host may listen.
enum class address_kind { invalid, loopback, other };

/// What `address` is (the same rules as Boost.Asio's make_address and
/// is_loopback, with "localhost" as loopback): an IPv4 or IPv6 literal
/// (an IPv6 one may carry a scope, "fe80::1%eth0"), or invalid.
address_kind classify_address(const std::string& address);

/// "host:port" split at the last ':' ("[::1]:7400" for IPv6 literals,
/// brackets removed); port 0-65535 in decimal.
struct endpoint {
  /// The address or host name, without brackets.
  std::string host;
  /// The port.
  int port = 0;
};

/// `text` as an endpoint; the problem in words when it is not one.
std::variant<endpoint, std::string> parse_endpoint(std::string_view text);

} // namespace snakepit
