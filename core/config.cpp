#include <snakepit/config.hpp>

#include "core/config_check.hpp"
#include "core/config_checker.hpp"

#include <array>

namespace snakepit {

namespace {

using std::chrono::milliseconds;

constexpr size_t max_name_length = 64;
constexpr int max_threads_per_worker = 256;
/// Python's default recursion limit (1000) already refuses JSON about this
/// deep; the bound keeps a typo from disabling the check.
constexpr int max_json_depth_limit = 10000;
/// Room for a command, a session id and the framing of a few arguments.
constexpr long long min_request_bytes = 1024;
/// gRPC's limits are ints and the native transport bounds frames the same
/// way: a message stays below 2 GiB.
constexpr int max_message_mb_limit = 2047;
constexpr int max_stream_window = 4096;
/// Spares are whole workers kept idle: more than this is a typo.
constexpr int max_spare_workers = 1000;
constexpr int max_port = 65535;

constexpr std::array<std::string_view, 6> log_levels{
  {"trace", "debug", "info", "warn", "error", "off"}};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool is_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9'))
    return false;
  for (char c : s)
    if (!is_name_char(c) || c == '-')
      return false;
  return true;
}

// "package.module.Class": at least two dotted parts, each an identifier.
bool is_adapter_path(std::string_view s) {
  size_t parts = 0;
  for (;;) {
    auto dot = s.find('.');
    if (!is_identifier(s.substr(0, dot)))
      return false;
    ++parts;
    if (dot == std::string_view::npos)
      return parts >= 2;
    s.remove_prefix(dot + 1);
  }
}

} // namespace

void check_pool_name(checker& check, const std::string& key,
                     const std::string& name) {
  if (name.empty()) {
    check.fail(key, "must not be empty");
  } else if (name.size() > max_name_length) {
    check.fail(key, "is longer than " + std::to_string(max_name_length)
                      + " characters");
  } else {
    for (char c : name) {
      if (!is_name_char(c)) {
        check.fail(key, quoted(name) + " has characters outside "
                                       "[A-Za-z0-9_-]");
        break;
      }
    }
  }
}

namespace {

void validate_pool(checker& check, const pool_config& pool,
                   const std::string& prefix) {
  check_pool_name(check, prefix + "name", pool.name);
  if (pool.profile != worker_profile::process
      && pool.profile != worker_profile::thread)
    check.fail(prefix + "profile", "must be \"process\" or \"thread\"");
  if (pool.transport != worker_transport::native
      && pool.transport != worker_transport::grpc)
    check.fail(prefix + "transport", "must be \"native\" or \"grpc\"");
  if (pool.session_affinity == affinity_mode::pool_default
      || pool.session_affinity > affinity_mode::strict_fail_fast)
    check.fail(prefix + "session_affinity",
               "must be \"hint\", \"strict_queue\" or \"strict_fail_fast\"");
  check.between(prefix + "max_sessions", pool.max_sessions, 1, 1000000);
  check.at_least(prefix + "size", pool.size, 1);
  if (!is_adapter_path(pool.adapter))
    check.fail(prefix + "adapter",
               quoted(pool.adapter)
                 + " is not of the form \"package.module.Class\"");
  for (const auto& [var, value] : pool.env)
    if (var.empty() || var.find('=') != std::string::npos
        || var.find('\0') != std::string::npos)
      check.fail(prefix + "env", quoted(var)
                                   + " is not a valid environment variable "
                                     "name");
  check.not_empty(prefix + "python", pool.python);
  check.duration(prefix + "startup_timeout", pool.startup_timeout, false,
                 false);
  check.at_least(prefix + "startup_concurrency", pool.startup_concurrency, 1);
  check.at_least(prefix + "queue_size", static_cast<long long>(pool.queue_size),
                 1);
  check.duration(prefix + "queue_timeout", pool.queue_timeout, false, true);
  check.duration(prefix + "session_ttl", pool.session_ttl, false, true);
  check.duration(prefix + "request_timeout", pool.request_timeout, false,
                 true);
  check.duration(prefix + "shutdown_timeout", pool.shutdown_timeout, true,
                 false);
  check.duration(prefix + "hung_call_grace", pool.hung_call_grace, true,
                 false);
  check.duration(prefix + "health_check_interval", pool.health_check_interval,
                 true, false);
  check.duration(prefix + "health_check_timeout", pool.health_check_timeout,
                 false, false);
  check.at_least(prefix + "health_check_max_misses",
                 pool.health_check_max_misses, 1);
  check.at_least(prefix + "max_restarts", pool.max_restarts, 0);
  check.duration(prefix + "restart_period", pool.restart_period, false, false);
  check.duration(prefix + "restart_backoff", pool.restart_backoff, true,
                 false);
  check.duration(prefix + "restart_backoff_max", pool.restart_backoff_max,
                 true, false);
  check.no_less_than(prefix + "restart_backoff_max", pool.restart_backoff_max,
                     "restart_backoff", pool.restart_backoff);
  check.duration(prefix + "recovery_backoff", pool.recovery_backoff, false,
                 true);
  check.duration(prefix + "recovery_backoff_max", pool.recovery_backoff_max,
                 false, false);
  if (pool.recovery_backoff != milliseconds::max())
    check.no_less_than(prefix + "recovery_backoff_max",
                       pool.recovery_backoff_max, "recovery_backoff",
                       pool.recovery_backoff);
  check.duration(prefix + "worker_ttl", pool.worker_ttl, false, true);
  if (pool.worker_max_requests)
    check.at_least(prefix + "worker_max_requests", *pool.worker_max_requests,
                   1);
  if (pool.memory_threshold_mb && !(*pool.memory_threshold_mb > 0))
    check.fail(prefix + "memory_threshold_mb",
               "must be greater than 0 (got "
                 + std::to_string(*pool.memory_threshold_mb) + ")");
  if (!(pool.recycle_jitter >= 0 && pool.recycle_jitter <= 1))
    check.fail(prefix + "recycle_jitter",
               "must be between 0 and 1 (got "
                 + std::to_string(pool.recycle_jitter) + ")");
  check.at_least(prefix + "max_concurrent_recycles",
                 pool.max_concurrent_recycles, 1);
  check.between(prefix + "spare_workers", pool.spare_workers, 0,
                max_spare_workers);
  check.duration(prefix + "lifecycle_interval", pool.lifecycle_interval,
                 false, false);
  check.duration(prefix + "drain_timeout", pool.drain_timeout, true, false);
  check.between(prefix + "threads_per_worker", pool.threads_per_worker, 1,
                max_threads_per_worker);
  check.between(prefix + "max_json_depth", pool.max_json_depth, 1,
                max_json_depth_limit);
  check.between(prefix + "max_message_mb", pool.max_message_mb, 1,
                max_message_mb_limit);
  check.between(prefix + "stream_window", pool.stream_window, 1,
                max_stream_window);
  if (pool.max_request_bytes) {
    check.at_least(prefix + "max_request_bytes",
                   static_cast<long long>(*pool.max_request_bytes),
                   min_request_bytes);
    if (pool.max_message_mb >= 1
        && *pool.max_request_bytes > pool.max_message_bytes())
      check.fail(prefix + "max_request_bytes",
                 "is more than max_message_mb allows ("
                   + std::to_string(pool.max_message_bytes()) + " bytes)");
  }
}

void validate_telemetry(checker& check, const telemetry_config& tel) {
  const std::string prefix = "telemetry.";
  if (tel.prometheus_port < 0 || tel.prometheus_port > max_port)
    check.fail(prefix + "prometheus_port",
               "must be between 0 and " + std::to_string(max_port) + " (got "
                 + std::to_string(tel.prometheus_port) + ")");
  const auto& address = tel.prometheus_address;
  if (address.empty()) {
    check.fail(prefix + "prometheus_address", "must not be empty");
    return;
  }
  switch (classify_address(address)) {
    case address_kind::invalid:
      check.fail(prefix + "prometheus_address",
                 quoted(address)
                   + " is not an IP address (e.g. \"127.0.0.1\" or \"::1\")");
      break;
    case address_kind::other:
      if (!tel.prometheus_allow_remote)
        check.fail(prefix + "prometheus_address",
                   quoted(address)
                     + " is not a loopback address: the metrics would be "
                       "reachable from other hosts; bind \"127.0.0.1\" (the "
                       "default) or set prometheus_allow_remote = true");
      break;
    case address_kind::loopback:
      break;
  }
}

} // namespace

std::string to_string(worker_profile profile) {
  return profile == worker_profile::thread ? "thread" : "process";
}

std::string to_string(worker_transport transport) {
  return transport == worker_transport::grpc ? "grpc" : "native";
}

std::optional<worker_transport> worker_transport_from_string(
  std::string_view s) {
  if (s == "native")
    return worker_transport::native;
  if (s == "grpc")
    return worker_transport::grpc;
  return std::nullopt;
}

std::string default_python() {
  return SNAKEPIT_DEFAULT_PYTHON;
}

std::optional<worker_profile> worker_profile_from_string(std::string_view s) {
  if (s == "process")
    return worker_profile::process;
  if (s == "thread")
    return worker_profile::thread;
  return std::nullopt;
}

host_config default_config() {
  host_config cfg;
  cfg.pools.emplace_back();
  return cfg;
}

std::string to_string(const config_error& e) {
  std::string out;
  if (!e.source.empty()) {
    out += e.source;
    if (e.line > 0)
      out += ":" + std::to_string(e.line);
    out += ": ";
  }
  if (!e.key.empty())
    out += e.key + ": ";
  out += e.problem;
  return out;
}

std::vector<config_error> check_config(const host_config& cfg) {
  std::vector<config_error> errors;
  checker check{errors};
  if (cfg.pools.empty() && cfg.remote_pools.empty())
    check.fail("pools", "at least one pool or remote pool is required");
  // Pools, remote pools and groups share one name space: the host looks
  // them all up.
  std::map<std::string, std::string> first_use;
  auto unique = [&](const std::string& prefix, const std::string& name) {
    if (name.empty())
      return;
    auto [it, added] = first_use.emplace(name, prefix);
    if (!added)
      check.fail(prefix + ".name", "duplicate pool name " + quoted(name)
                                     + " (also used by " + it->second + ")");
  };
  for (size_t i = 0; i < cfg.pools.size(); ++i) {
    auto prefix = "pools[" + std::to_string(i) + "]";
    validate_pool(check, cfg.pools[i], prefix + ".");
    unique(prefix, cfg.pools[i].name);
  }
  for (size_t i = 0; i < cfg.remote_pools.size(); ++i) {
    auto prefix = "remote_pools[" + std::to_string(i) + "]";
    validate_remote_pool(check, cfg.remote_pools[i], cfg.cluster,
                         prefix + ".");
    unique(prefix, cfg.remote_pools[i].name);
  }
  for (size_t i = 0; i < cfg.pool_groups.size(); ++i) {
    auto prefix = "pool_groups[" + std::to_string(i) + "]";
    validate_pool_group(check, cfg.pool_groups[i], cfg, prefix + ".");
    unique(prefix, cfg.pool_groups[i].name);
  }
  validate_cluster(check, cfg.cluster);
  if (cfg.python_path)
    check.not_empty("python_path", *cfg.python_path);
  bool known_level = false;
  for (auto level : log_levels)
    known_level = known_level || cfg.log_level == level;
  if (!known_level)
    check.fail("log_level", quoted(cfg.log_level)
                              + " is not one of trace, debug, info, warn, "
                                "error, off");
  validate_telemetry(check, cfg.telemetry);
  return errors;
}

failure config_failure(const std::vector<config_error>& problems) {
  std::string message;
  for (const auto& problem : problems) {
    if (!message.empty())
      message += '\n';
    message += to_string(problem);
  }
  return make_failure(error_code::invalid_arguments, std::move(message));
}

result<void> validate(const host_config& cfg) {
  auto problems = check_config(cfg);
  if (problems.empty())
    return {};
  return config_failure(problems);
}

} // namespace snakepit
