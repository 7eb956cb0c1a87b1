// Reading host_config from TOML: type checks and unknown keys here, value
// rules in check_config() (config.cpp), so code-built configs get the same
// checks as files.

#include <snakepit/config.hpp>

#include "core/config_check.hpp"
#include "core/config_checker.hpp"
#include "core/duration.hpp"
#include "core/suggest.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <initializer_list>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace snakepit {

namespace {

using std::chrono::milliseconds;

// The keys of a table, grouped by how they are read: the name, and the
// member of `Config` (pool_config, telemetry_config) it sets.

template <class Config>
struct string_key {
  std::string_view name;
  std::string Config::*member;
};

template <class Config>
struct int_key {
  std::string_view name;
  int Config::*member;
};

template <class Config>
struct bool_key {
  std::string_view name;
  bool Config::*member;
};

template <class Config>
struct duration_key {
  std::string_view name;
  milliseconds Config::*member;
  bool allow_infinity;
};

// The pool keys ([[pools]]).

constexpr std::array<string_key<pool_config>, 3> pool_string_keys{{
  {"name", &pool_config::name},
  {"adapter", &pool_config::adapter},
  {"python", &pool_config::python},
}};

constexpr std::array<int_key<pool_config>, 11> pool_int_keys{{
  {"size", &pool_config::size},
  {"health_check_max_misses", &pool_config::health_check_max_misses},
  {"startup_concurrency", &pool_config::startup_concurrency},
  {"max_restarts", &pool_config::max_restarts},
  {"threads_per_worker", &pool_config::threads_per_worker},
  {"max_concurrent_recycles", &pool_config::max_concurrent_recycles},
  {"spare_workers", &pool_config::spare_workers},
  {"max_json_depth", &pool_config::max_json_depth},
  {"max_message_mb", &pool_config::max_message_mb},
  {"stream_window", &pool_config::stream_window},
  {"max_sessions", &pool_config::max_sessions},
}};

constexpr std::array<duration_key<pool_config>, 16> pool_duration_keys{{
  {"startup_timeout", &pool_config::startup_timeout, false},
  {"queue_timeout", &pool_config::queue_timeout, true},
  {"request_timeout", &pool_config::request_timeout, true},
  {"shutdown_timeout", &pool_config::shutdown_timeout, false},
  {"hung_call_grace", &pool_config::hung_call_grace, false},
  {"health_check_interval", &pool_config::health_check_interval, false},
  {"health_check_timeout", &pool_config::health_check_timeout, false},
  {"restart_period", &pool_config::restart_period, false},
  {"restart_backoff", &pool_config::restart_backoff, false},
  {"restart_backoff_max", &pool_config::restart_backoff_max, false},
  {"recovery_backoff", &pool_config::recovery_backoff, true},
  {"recovery_backoff_max", &pool_config::recovery_backoff_max, false},
  {"worker_ttl", &pool_config::worker_ttl, true},
  {"lifecycle_interval", &pool_config::lifecycle_interval, false},
  {"drain_timeout", &pool_config::drain_timeout, false},
  {"session_ttl", &pool_config::session_ttl, true},
}};

constexpr std::array<bool_key<pool_config>, 3> pool_bool_keys{{
  {"thread_safety_checks", &pool_config::thread_safety_checks},
  {"fork_server", &pool_config::fork_server},
  {"preload", &pool_config::preload},
}};

constexpr std::array<std::string_view, 10> pool_other_keys{
  {"profile", "transport", "session_affinity", "adapter_args", "env", "queue_size",
   "worker_max_requests", "memory_threshold_mb", "recycle_jitter",
   "max_request_bytes"}};

// The telemetry keys ([telemetry]).

constexpr std::array<bool_key<telemetry_config>, 3> telemetry_bool_keys{{
  {"prometheus", &telemetry_config::prometheus},
  {"prometheus_allow_remote", &telemetry_config::prometheus_allow_remote},
  {"log_events", &telemetry_config::log_events},
}};

constexpr std::array<string_key<telemetry_config>, 1> telemetry_string_keys{{
  {"prometheus_address", &telemetry_config::prometheus_address},
}};

constexpr std::array<int_key<telemetry_config>, 1> telemetry_int_keys{{
  {"prometheus_port", &telemetry_config::prometheus_port},
}};

// The cluster keys ([cluster]) and those of each [[remote_pools]] entry.

constexpr std::array<string_key<cluster_config>, 1> cluster_string_keys{{
  {"listen", &cluster_config::listen},
}};

constexpr std::array<duration_key<cluster_config>, 2> cluster_duration_keys{{
  {"heartbeat", &cluster_config::heartbeat, false},
  {"node_timeout", &cluster_config::node_timeout, false},
}};

constexpr std::array<string_key<cluster_tls_config>, 3> tls_string_keys{{
  {"certificate", &cluster_tls_config::certificate},
  {"key", &cluster_tls_config::key},
  {"ca", &cluster_tls_config::ca},
}};

constexpr std::array<duration_key<cluster_tls_config>, 1> tls_duration_keys{{
  {"handshake_timeout", &cluster_tls_config::handshake_timeout, false},
}};

constexpr std::array<int_key<cluster_tls_config>, 2> tls_int_keys{{
  {"max_message_mb", &cluster_tls_config::max_message_mb},
  {"max_connections", &cluster_tls_config::max_connections},
}};

constexpr std::array<string_key<remote_pool_config>, 3>
  remote_pool_string_keys{{
    {"name", &remote_pool_config::name},
    {"node", &remote_pool_config::node},
    {"pool", &remote_pool_config::pool},
  }};

constexpr std::array<int_key<remote_pool_config>, 1> remote_pool_int_keys{{
  {"max_sessions", &remote_pool_config::max_sessions},
}};

constexpr std::array<duration_key<remote_pool_config>, 5>
  remote_pool_duration_keys{{
    {"connect_timeout", &remote_pool_config::connect_timeout, false},
    {"reconnect_backoff", &remote_pool_config::reconnect_backoff, false},
    {"reconnect_backoff_max", &remote_pool_config::reconnect_backoff_max,
     false},
    {"reply_timeout", &remote_pool_config::reply_timeout, false},
    {"session_ttl", &remote_pool_config::session_ttl, true},
  }};

// The keys of each [[pool_groups]] entry.

constexpr std::array<string_key<pool_group_config>, 1> group_string_keys{{
  {"name", &pool_group_config::name},
}};

constexpr std::array<int_key<pool_group_config>, 1> group_int_keys{{
  {"max_sessions", &pool_group_config::max_sessions},
}};

constexpr std::array<duration_key<pool_group_config>, 2> group_duration_keys{{
  {"status_interval", &pool_group_config::status_interval, false},
  {"session_ttl", &pool_group_config::session_ttl, true},
}};

const std::vector<std::string_view> host_keys{
  "run_dir",      "python_path",  "log_level", "telemetry",
  "pools",        "cluster",      "remote_pools", "pool_groups"};

template <class Key, size_t N>
void add_names(std::vector<std::string_view>& names,
               const std::array<Key, N>& keys) {
  for (const auto& k : keys)
    names.push_back(k.name);
}

std::vector<std::string_view> known_pool_keys() {
  std::vector<std::string_view> keys;
  add_names(keys, pool_string_keys);
  add_names(keys, pool_int_keys);
  add_names(keys, pool_duration_keys);
  add_names(keys, pool_bool_keys);
  keys.insert(keys.end(), pool_other_keys.begin(), pool_other_keys.end());
  return keys;
}

// "unknown key", plus the closest known key when it looks like a typo.
std::string unknown_key_problem(std::string_view key,
                                const std::vector<std::string_view>& known) {
  if (auto best = closest_match(key, known))
    return "unknown key; did you mean \"" + std::string{*best} + "\"?";
  return "unknown key (see docs/configuration.md)";
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

int line_of(const toml::node& node) {
  return static_cast<int>(node.source().begin.line);
}

class reader {
public:
  explicit reader(std::string source) : source_(std::move(source)) {
    // nop
  }

  config_result run(std::string_view text) {
    host_config cfg;
    try {
      auto root = toml::parse(text, source_);
      read_host(root, cfg);
    } catch (const toml::parse_error& e) {
      auto where = e.source().begin;
      add("", "syntax error (column " + std::to_string(where.column)
                + "): " + std::string{e.description()},
          static_cast<int>(where.line));
      return finish();
    } catch (const std::exception& e) {
      add("", std::string{"cannot parse: "} + e.what(), 0);
      return finish();
    }
    // Keys that failed to read kept their (valid) defaults, so the check
    // adds only the value problems of keys that did read.
    if (cfg.pools.empty() && cfg.remote_pools.empty())
      cfg.pools.emplace_back();
    for (auto& e : check_config(cfg)) {
      // Before the key is moved from: argument order is unspecified.
      auto line = line_for(e.key);
      add(std::move(e.key), std::move(e.problem), line);
    }
    if (!errors_.empty())
      return finish();
    return config_result{std::move(cfg), {}};
  }

private:
  void add(std::string key, std::string problem, int line) {
    errors_.push_back(
      config_error{std::move(key), std::move(problem), source_, line});
  }

  void fail(const std::string& key, const toml::node& node,
            std::string problem) {
    add(key, std::move(problem), line_of(node));
  }

  void wrong_type(const std::string& key, const toml::node& node,
                  std::string_view expected) {
    fail(key, node,
         "expected " + std::string{expected} + ", got " + type_name(node));
  }

  // Line of `key`, or of the closest enclosing key that has one.
  int line_for(std::string key) const {
    for (;;) {
      if (auto i = lines_.find(key); i != lines_.end())
        return i->second;
      auto cut = key.find_last_of('.');
      if (cut == std::string::npos)
        return 0;
      key.resize(cut);
    }
  }

  config_result finish() {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const config_error& a, const config_error& b) {
                       return a.line < b.line;
                     });
    return config_result{std::nullopt, std::move(errors_)};
  }

  void read_host(const toml::table& root, host_config& cfg) {
    for (const auto& [k, node] : root) {
      std::string key{k.str()};
      lines_[key] = line_of(node);
      if (key == "run_dir")
        read_string(key, node, cfg.run_dir);
      else if (key == "python_path")
        read_string(key, node, cfg.python_path.emplace());
      else if (key == "log_level")
        read_string(key, node, cfg.log_level);
      else if (key == "telemetry")
        read_telemetry(node, cfg.telemetry);
      else if (key == "pools")
        read_pools(node, cfg.pools);
      else if (key == "cluster")
        read_cluster(node, cfg.cluster);
      else if (key == "remote_pools")
        read_remote_pools(node, cfg.remote_pools);
      else if (key == "pool_groups")
        read_pool_groups(node, cfg.pool_groups);
      else
        fail(key, node, unknown_key_problem(key, host_keys));
    }
  }

  void read_pools(const toml::node& node, std::vector<pool_config>& pools) {
    read_array_of_tables("pools", node, pools,
                         [this](const toml::table& table,
                                const std::string& prefix,
                                pool_config& pool) {
                           read_pool(table, prefix, pool);
                         });
  }

  void read_pool(const toml::table& table, const std::string& prefix,
                 pool_config& pool) {
    for (const auto& [k, node] : table) {
      auto key = prefix + std::string{k.str()};
      lines_[key] = line_of(node);
      if (!read_pool_key(k.str(), key, node, pool))
        fail(key, node, unknown_key_problem(k.str(), known_pool_keys()));
    }
    // A thread count on a process-profile pool would silently do nothing.
    if (const auto* threads = table.get("threads_per_worker");
        threads != nullptr && pool.profile == worker_profile::process)
      fail(prefix + "threads_per_worker", *threads,
           "applies only to profile = \"thread\" (this pool's profile is "
           "\"process\": one request per worker)");
  }

  // False when `name` is not a pool key.
  bool read_pool_key(std::string_view name, const std::string& key,
                     const toml::node& node, pool_config& pool) {
    if (read_listed(pool_string_keys, name, key, node, pool)
        || read_listed(pool_int_keys, name, key, node, pool)
        || read_listed(pool_duration_keys, name, key, node, pool)
        || read_listed(pool_bool_keys, name, key, node, pool))
      return true;
    if (name == "profile")
      read_profile(key, node, pool.profile);
    else if (name == "transport")
      read_transport(key, node, pool.transport);
    else if (name == "session_affinity")
      read_affinity(key, node, pool.session_affinity);
    else if (name == "adapter_args")
      read_args(key, node, pool.adapter_args);
    else if (name == "env")
      read_env(key, node, pool.env);
    else if (name == "queue_size")
      read_size(key, node, pool.queue_size);
    else if (name == "max_request_bytes")
      read_optional_size(key, node, pool.max_request_bytes);
    else if (name == "worker_max_requests")
      read_count_limit(key, node, pool.worker_max_requests);
    else if (name == "memory_threshold_mb")
      read_number_limit(key, node, pool.memory_threshold_mb);
    else if (name == "recycle_jitter")
      read_number(key, node, pool.recycle_jitter);
    else
      return false;
    return true;
  }

  void read_telemetry(const toml::node& node, telemetry_config& tel) {
    if (const auto* table = node.as_table())
      read_flat_table(*table, "telemetry.", tel, {}, telemetry_bool_keys,
                      telemetry_string_keys, telemetry_int_keys);
    else
      wrong_type("telemetry", node, "a table ([telemetry])");
  }

  void read_cluster(const toml::node& node, cluster_config& cluster) {
    const auto* table = node.as_table();
    if (table == nullptr) {
      wrong_type("cluster", node, "a table ([cluster])");
      return;
    }
    if (const auto* tls = table->get("tls")) {
      lines_["cluster.tls"] = line_of(*tls);
      if (const auto* tls_table = tls->as_table())
        read_flat_table(*tls_table, "cluster.tls.", cluster.tls.emplace(), {},
                        tls_string_keys, tls_duration_keys, tls_int_keys);
      else
        wrong_type("cluster.tls", *tls, "a table ([cluster.tls])");
    }
    read_flat_table(*table, "cluster.", cluster, {"tls"},
                    cluster_string_keys, cluster_duration_keys);
  }

  void read_remote_pools(const toml::node& node,
                         std::vector<remote_pool_config>& remotes) {
    read_array_of_tables(
      "remote_pools", node, remotes,
      [this](const toml::table& table, const std::string& prefix,
             remote_pool_config& remote) {
        if (const auto* tls = table.get("tls")) {
          lines_[prefix + "tls"] = line_of(*tls);
          read_bool(prefix + "tls", *tls, remote.tls.emplace());
        }
        read_flat_table(table, prefix, remote, {"tls"},
                        remote_pool_string_keys, remote_pool_int_keys,
                        remote_pool_duration_keys);
      });
  }

  void read_pool_groups(const toml::node& node,
                        std::vector<pool_group_config>& groups) {
    read_array_of_tables(
      "pool_groups", node, groups,
      [this](const toml::table& table, const std::string& prefix,
             pool_group_config& group) {
        if (const auto* members = table.get("members")) {
          lines_[prefix + "members"] = line_of(*members);
          read_args(prefix + "members", *members, group.members);
        }
        if (const auto* strategy = table.get("strategy")) {
          lines_[prefix + "strategy"] = line_of(*strategy);
          read_strategy(prefix + "strategy", *strategy, group.strategy);
        }
        read_flat_table(table, prefix, group, {"members", "strategy"},
                        group_string_keys, group_int_keys,
                        group_duration_keys);
      });
  }

  // `[[name]]`: an array of tables, each read by `read_one(table, prefix,
  // element)` into a default-constructed element of `out`.
  template <class Element, class ReadOne>
  void read_array_of_tables(const std::string& name, const toml::node& node,
                            std::vector<Element>& out, ReadOne read_one) {
    const auto* array = node.as_array();
    if (array == nullptr) {
      wrong_type(name, node, "an array of tables ([[" + name + "]])");
      return;
    }
    for (size_t i = 0; i < array->size(); ++i) {
      auto prefix = name + "[" + std::to_string(i) + "]";
      const auto& element = *array->get(i);
      lines_[prefix] = line_of(element);
      Element value;
      if (const auto* table = element.as_table())
        read_one(*table, prefix + ".", value);
      else
        wrong_type(prefix, element, "a table");
      out.push_back(std::move(value));
    }
  }

  void read_strategy(const std::string& key, const toml::node& node,
                     group_strategy& out) {
    auto text = node.value_exact<std::string>();
    if (!text)
      wrong_type(key, node, "a string");
    else if (auto strategy = group_strategy_from_string(*text))
      out = *strategy;
    else
      fail(key, node, quoted(*text)
                        + " is not \"least_loaded\" or \"round_robin\"");
  }

  // A table whose keys are all listed in `lists` (arrays of keys of
  // `Config`) or in `handled` (keys the caller reads); any other key is
  // reported as unknown.
  template <class Config, class... Lists>
  void read_flat_table(const toml::table& table, const std::string& prefix,
                       Config& cfg,
                       std::initializer_list<std::string_view> handled,
                       const Lists&... lists) {
    for (const auto& [k, value] : table) {
      auto key = prefix + std::string{k.str()};
      if (std::find(handled.begin(), handled.end(), k.str()) != handled.end())
        continue;
      lines_[key] = line_of(value);
      if ((read_listed(lists, k.str(), key, value, cfg) || ...))
        continue;
      std::vector<std::string_view> known{handled};
      (add_names(known, lists), ...);
      fail(key, value, unknown_key_problem(k.str(), known));
    }
  }

  // True when `name` is one of `keys`; then reads `node` into its member
  // of `cfg`.
  template <class Key, size_t N, class Config>
  bool read_listed(const std::array<Key, N>& keys, std::string_view name,
                   const std::string& key, const toml::node& node,
                   Config& cfg) {
    for (const auto& k : keys) {
      if (k.name == name) {
        read_member(key, node, cfg, k);
        return true;
      }
    }
    return false;
  }

  template <class Config>
  void read_member(const std::string& key, const toml::node& node,
                   Config& cfg, const string_key<Config>& k) {
    read_string(key, node, cfg.*k.member);
  }

  template <class Config>
  void read_member(const std::string& key, const toml::node& node,
                   Config& cfg, const int_key<Config>& k) {
    read_int(key, node, cfg.*k.member);
  }

  template <class Config>
  void read_member(const std::string& key, const toml::node& node,
                   Config& cfg, const bool_key<Config>& k) {
    read_bool(key, node, cfg.*k.member);
  }

  template <class Config>
  void read_member(const std::string& key, const toml::node& node,
                   Config& cfg, const duration_key<Config>& k) {
    read_duration(key, node, cfg.*k.member, k.allow_infinity);
  }

  void read_string(const std::string& key, const toml::node& node,
                   std::string& out) {
    if (auto value = node.value_exact<std::string>())
      out = std::move(*value);
    else
      wrong_type(key, node, "a string");
  }

  void read_bool(const std::string& key, const toml::node& node, bool& out) {
    if (auto value = node.value_exact<bool>())
      out = *value;
    else
      wrong_type(key, node, "true or false");
  }

  void read_int(const std::string& key, const toml::node& node, int& out) {
    auto value = node.value_exact<int64_t>();
    if (!value)
      wrong_type(key, node, "an integer");
    else if (*value < std::numeric_limits<int>::min()
             || *value > std::numeric_limits<int>::max())
      fail(key, node, std::to_string(*value) + " is out of range");
    else
      out = static_cast<int>(*value);
  }

  void read_size(const std::string& key, const toml::node& node,
                 size_t& out) {
    auto value = node.value_exact<int64_t>();
    if (!value)
      wrong_type(key, node, "an integer");
    else if (*value < 1)
      fail(key, node, "must be at least 1 (got " + std::to_string(*value)
                        + ")");
    else
      out = static_cast<size_t>(*value);
  }

  // Sets `out` only when the value is a valid size.
  void read_optional_size(const std::string& key, const toml::node& node,
                          std::optional<size_t>& out) {
    size_t size = 0;
    read_size(key, node, size);
    if (size > 0)
      out = size;
  }

  // Nullopt when `node` is not a string; true for "infinity"; false (and
  // reported) for any other string.
  std::optional<bool> read_infinity(const std::string& key,
                                    const toml::node& node,
                                    std::string_view expected) {
    auto text = node.value_exact<std::string>();
    if (!text)
      return std::nullopt;
    if (*text == "infinity")
      return true;
    fail(key, node, "\"" + *text + "\" is not " + std::string{expected});
    return false;
  }

  void read_count_limit(const std::string& key, const toml::node& node,
                        std::optional<int64_t>& out) {
    constexpr std::string_view expected = "an integer or \"infinity\"";
    if (auto infinite = read_infinity(key, node, expected)) {
      if (*infinite)
        out.reset();
    } else if (auto value = node.value_exact<int64_t>()) {
      out = *value;
    } else {
      wrong_type(key, node, expected);
    }
  }

  void read_number_limit(const std::string& key, const toml::node& node,
                         std::optional<double>& out) {
    constexpr std::string_view expected = "a number or \"infinity\"";
    if (auto infinite = read_infinity(key, node, expected)) {
      if (*infinite)
        out.reset();
    } else if (node.is_number()) {
      out = node.value<double>().value_or(0);
    } else {
      wrong_type(key, node, expected);
    }
  }

  void read_number(const std::string& key, const toml::node& node,
                   double& out) {
    if (node.is_number())
      out = node.value<double>().value_or(0);
    else
      wrong_type(key, node, "a number");
  }

  void read_duration(const std::string& key, const toml::node& node,
                     milliseconds& out, bool allow_infinity) {
    auto text = node.value_exact<std::string>();
    if (!text) {
      wrong_type(key, node, "a duration string such as \"30s\"");
      return;
    }
    if (auto value = parse_duration(*text, allow_infinity))
      out = *value;
    else if (*text == "infinity")
      fail(key, node, "may not be \"infinity\"; give a finite duration");
    else if (!text->empty() && text->front() == '-')
      fail(key, node, "\"" + *text + "\" is negative; durations are 0 or "
                                     "more");
    else
      fail(key, node, "\"" + *text
                        + "\" is not a duration (use e.g. \"500ms\", "
                          "\"30s\", \"1h\")");
  }

  void read_profile(const std::string& key, const toml::node& node,
                    worker_profile& out) {
    auto text = node.value_exact<std::string>();
    if (!text)
      wrong_type(key, node, "a string");
    else if (auto profile = worker_profile_from_string(*text))
      out = *profile;
    else
      fail(key, node, "\"" + *text + "\" is not \"process\" or \"thread\"");
  }

  void read_transport(const std::string& key, const toml::node& node,
                      worker_transport& out) {
    auto text = node.value_exact<std::string>();
    if (!text)
      wrong_type(key, node, "a string");
    else if (auto transport = worker_transport_from_string(*text))
      out = *transport;
    else
      fail(key, node, "\"" + *text + "\" is not \"native\" or \"grpc\"");
  }

  void read_affinity(const std::string& key, const toml::node& node,
                     affinity_mode& out) {
    auto text = node.value_exact<std::string>();
    auto mode = text ? affinity_mode_from_string(*text) : std::nullopt;
    if (!text)
      wrong_type(key, node, "a string");
    else if (mode && *mode != affinity_mode::pool_default)
      out = *mode;
    else
      fail(key, node, "\"" + *text
                        + "\" is not \"hint\", \"strict_queue\" or "
                          "\"strict_fail_fast\"");
  }

  void read_args(const std::string& key, const toml::node& node,
                 std::vector<std::string>& out) {
    const auto* array = node.as_array();
    if (array == nullptr) {
      wrong_type(key, node, "an array of strings");
      return;
    }
    out.clear();
    for (size_t i = 0; i < array->size(); ++i) {
      auto arg = array->get(i)->value_exact<std::string>();
      if (arg)
        out.push_back(std::move(*arg));
      else
        wrong_type(key + "[" + std::to_string(i) + "]", *array->get(i),
                   "a string");
    }
  }

  void read_env(const std::string& key, const toml::node& node,
                std::map<std::string, std::string>& out) {
    const auto* table = node.as_table();
    if (table == nullptr) {
      wrong_type(key, node, "a table of strings");
      return;
    }
    out.clear();
    for (const auto& [name, value] : *table) {
      auto text = value.value_exact<std::string>();
      if (text)
        out[std::string{name.str()}] = std::move(*text);
      else
        wrong_type(key + "." + std::string{name.str()}, value, "a string");
    }
  }

  std::string source_;
  std::vector<config_error> errors_;
  std::map<std::string, int> lines_;
};

} // namespace

config_result read_config(std::string_view toml_text,
                          std::string source_name) {
  return reader{std::move(source_name)}.run(toml_text);
}

config_result read_config_file(const std::string& path) {
  auto cannot_read = [&](int err) {
    return config_result{
      std::nullopt,
      {config_error{"", "cannot read file: " + std::string{std::strerror(err)},
                    path, 0}}};
  };
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    return cannot_read(errno);
  std::string text;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    text.append(buffer, n);
  int err = std::ferror(file) ? (errno != 0 ? errno : EIO) : 0;
  std::fclose(file);
  if (err != 0)
    return cannot_read(err);
  return read_config(text, path);
}

namespace {

/// The public form of a read: the config, or every problem in one failure.
result<host_config> to_result(config_result read) {
  if (!read.ok())
    return config_failure(read.errors);
  return std::move(*read.config);
}

} // namespace

result<host_config> parse_config(std::string_view toml_text,
                                 std::string source_name) {
  return to_result(read_config(toml_text, std::move(source_name)));
}

result<host_config> load_config_file(const std::string& path) {
  return to_result(read_config_file(path));
}

} // namespace snakepit
