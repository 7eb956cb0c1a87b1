// One test case per validation rule: a config breaking only that rule must
// yield exactly one error, naming the offending key.

#include <snakepit/config.hpp>

#include "core/config_check.hpp"
#include "config_expect.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace snakepit;
using snakepit::test::check_one_error;

namespace {

// Parses a config holding one pool with the given extra lines.
std::vector<config_error> pool_errors(const std::string& lines) {
  auto r = read_config("[[pools]]\n" + lines + "\n", "t.toml");
  return r.errors;
}


} // namespace

TEST_CASE("rule: size is at least 1", "[config][rules]") {
  check_one_error(pool_errors("size = 0"), "pools[0].size",
                  "at least 1 (got 0)");
  check_one_error(pool_errors("size = -3"), "pools[0].size", "at least 1");
  CHECK(pool_errors("size = 1").empty());
}

TEST_CASE("rule: integers fit", "[config][rules]") {
  check_one_error(pool_errors("size = 99999999999"), "pools[0].size",
                  "out of range");
}

TEST_CASE("rule: queue_size is at least 1", "[config][rules]") {
  check_one_error(pool_errors("queue_size = 0"), "pools[0].queue_size",
                  "at least 1 (got 0)");
  check_one_error(pool_errors("queue_size = -1"), "pools[0].queue_size",
                  "at least 1 (got -1)");
}

TEST_CASE("rule: durations are well-formed", "[config][rules]") {
  check_one_error(pool_errors("queue_timeout = \"5x\""),
                  "pools[0].queue_timeout", "\"5x\" is not a duration");
  check_one_error(pool_errors("startup_timeout = \"30\""),
                  "pools[0].startup_timeout", "is not a duration");
}

TEST_CASE("rule: durations are not negative", "[config][rules]") {
  check_one_error(pool_errors("shutdown_timeout = \"-5s\""),
                  "pools[0].shutdown_timeout", "negative");
}

TEST_CASE("rule: timeouts that must elapse are greater than zero",
          "[config][rules]") {
  for (auto key : {"startup_timeout", "queue_timeout", "request_timeout",
                   "restart_period"}) {
    INFO(key);
    check_one_error(pool_errors(std::string{key} + " = \"0s\""),
                    "pools[0]." + std::string{key}, "greater than 0s");
  }
  for (auto key : {"shutdown_timeout", "restart_backoff", "hung_call_grace",
                   "health_check_interval"}) {
    INFO(key);
    CHECK(pool_errors(std::string{key} + " = \"0s\"").empty());
  }
}

TEST_CASE("rule: infinity only for queue and request timeouts",
          "[config][rules]") {
  CHECK(pool_errors("queue_timeout = \"infinity\"").empty());
  CHECK(pool_errors("request_timeout = \"infinity\"").empty());
  check_one_error(pool_errors("startup_timeout = \"infinity\""),
                  "pools[0].startup_timeout", "infinity");
  check_one_error(pool_errors("shutdown_timeout = \"infinity\""),
                  "pools[0].shutdown_timeout", "infinity");
}

TEST_CASE("rule: restart_backoff_max is at least restart_backoff",
          "[config][rules]") {
  check_one_error(pool_errors("restart_backoff = \"10s\""),
                  "pools[0].restart_backoff_max",
                  "at least restart_backoff (10s), got 5s");
}

TEST_CASE("rule: max_restarts is not negative", "[config][rules]") {
  check_one_error(pool_errors("max_restarts = -1"), "pools[0].max_restarts",
                  "at least 0");
  CHECK(pool_errors("max_restarts = 0").empty());
}

TEST_CASE("rule: adapter is package.module.Class", "[config][rules]") {
  for (auto bad : {"ShowcaseAdapter", "", "pkg..Class", ".pkg.Class",
                   "pkg.Class.", "pkg.9module.Class", "pkg.mod-ule.Class",
                   "pkg.mod ule.Class"}) {
    INFO(bad);
    check_one_error(pool_errors("adapter = \"" + std::string{bad} + "\""),
                    "pools[0].adapter", "package.module.Class");
  }
  CHECK(pool_errors("adapter = \"pkg.Class\"").empty());
  CHECK(pool_errors("adapter = \"_a.b2.c_d.Class\"").empty());
}

TEST_CASE("rule: python is not empty", "[config][rules]") {
  check_one_error(pool_errors("python = \"\""), "pools[0].python",
                  "must not be empty");
}

TEST_CASE("rule: pool names are unique", "[config][rules]") {
  auto r = read_config("[[pools]]\nname = \"a\"\n"
                        "[[pools]]\nname = \"b\"\n"
                        "[[pools]]\nname = \"a\"\n",
                        "t.toml");
  check_one_error(r.errors, "pools[2].name",
                  "duplicate pool name \"a\" (also used by pools[0])");
  // Two pools that both leave the name out are both "default".
  r = read_config("[[pools]]\n[[pools]]\n", "t.toml");
  check_one_error(r.errors, "pools[1].name", "duplicate");
}

TEST_CASE("rule: pool names are non-empty", "[config][rules]") {
  check_one_error(pool_errors("name = \"\""), "pools[0].name",
                  "must not be empty");
}

TEST_CASE("rule: pool names use letters, digits, dash and underscore", "[config][rules]") {
  for (auto bad : {"my pool", "a/b", "a.b", "caf\xc3\xa9"}) {
    INFO(bad);
    check_one_error(pool_errors("name = \"" + std::string{bad} + "\""),
                    "pools[0].name", "[A-Za-z0-9_-]");
  }
  CHECK(pool_errors("name = \"Az09_-\"").empty());
}

TEST_CASE("rule: pool names are at most 64 characters", "[config][rules]") {
  check_one_error(pool_errors("name = \"" + std::string(65, 'a') + "\""),
                  "pools[0].name", "longer than 64");
  CHECK(pool_errors("name = \"" + std::string(64, 'a') + "\"").empty());
}

TEST_CASE("rule: profile is process or thread", "[config][rules]") {
  check_one_error(pool_errors("profile = \"threads\""), "pools[0].profile",
                  "\"threads\" is not \"process\" or \"thread\"");
  check_one_error(pool_errors("profile = 1"), "pools[0].profile",
                  "expected a string");
}

TEST_CASE("rule: threads_per_worker is 1 to 256", "[config][rules]") {
  const std::string thread = "profile = \"thread\"\n";
  check_one_error(pool_errors(thread + "threads_per_worker = 0"),
                  "pools[0].threads_per_worker", "between 1 and 256 (got 0)");
  check_one_error(pool_errors(thread + "threads_per_worker = 257"),
                  "pools[0].threads_per_worker", "(got 257)");
  CHECK(pool_errors(thread + "threads_per_worker = 256").empty());
}

TEST_CASE("rule: max_json_depth is 1 to 10000", "[config][rules]") {
  check_one_error(pool_errors("max_json_depth = 0"), "pools[0].max_json_depth",
                  "between 1 and 10000 (got 0)");
  check_one_error(pool_errors("max_json_depth = 10001"),
                  "pools[0].max_json_depth", "(got 10001)");
  CHECK(pool_errors("max_json_depth = 1").empty());
}

TEST_CASE("rule: max_request_bytes is 1024 to max_message_mb",
          "[config][rules]") {
  check_one_error(pool_errors("max_request_bytes = 1000"),
                  "pools[0].max_request_bytes", "at least 1024 (got 1000)");
  check_one_error(pool_errors("max_request_bytes = \"4MB\""),
                  "pools[0].max_request_bytes", "expected an integer");
  check_one_error(pool_errors("max_message_mb = 2\nmax_request_bytes = "
                              "2097153"),
                  "pools[0].max_request_bytes",
                  "more than max_message_mb allows (2097152 bytes)");
  auto parsed = read_config("[[pools]]\nmax_request_bytes = 67108864\n"
                             "max_json_depth = 64\n",
                             "t.toml");
  REQUIRE(parsed.ok());
  CHECK(parsed.config->pools[0].max_request_bytes == 64u << 20);
  CHECK(parsed.config->pools[0].request_byte_limit() == 64u << 20);
  CHECK(parsed.config->pools[0].max_json_depth == 64);
}

TEST_CASE("rule: max_message_mb is 1 to 2047 and bounds requests by "
          "default",
          "[config][rules]") {
  check_one_error(pool_errors("max_message_mb = 0"),
                  "pools[0].max_message_mb", "between 1 and 2047 (got 0)");
  check_one_error(pool_errors("max_message_mb = 2048"),
                  "pools[0].max_message_mb", "(got 2048)");
  auto parsed = read_config("[[pools]]\nmax_message_mb = 8\n", "t.toml");
  REQUIRE(parsed.ok());
  const auto& pool = parsed.config->pools[0];
  CHECK(pool.max_message_bytes() == 8u << 20);
  CHECK_FALSE(pool.max_request_bytes.has_value());
  CHECK(pool.request_byte_limit() == 8u << 20);
}

TEST_CASE("rule: transport is native or grpc", "[config][rules]") {
  check_one_error(pool_errors("transport = \"tcp\""), "pools[0].transport",
                  "\"tcp\" is not \"native\" or \"grpc\"");
  check_one_error(pool_errors("transport = 1"), "pools[0].transport",
                  "expected a string");
  for (auto name : {"native", "grpc"}) {
    auto parsed = read_config(std::string{"[[pools]]\ntransport = \""} + name
                                + "\"\n",
                              "t.toml");
    REQUIRE(parsed.ok());
    CHECK(to_string(parsed.config->pools[0].transport) == name);
  }
}

TEST_CASE("rule: session_affinity, session_ttl and max_sessions",
          "[config][rules]") {
  check_one_error(pool_errors("session_affinity = \"sticky\""),
                  "pools[0].session_affinity",
                  "\"sticky\" is not \"hint\", \"strict_queue\" or "
                  "\"strict_fail_fast\"");
  check_one_error(pool_errors("session_affinity = \"pool_default\""),
                  "pools[0].session_affinity", "is not \"hint\"");
  check_one_error(pool_errors("session_ttl = \"0s\""),
                  "pools[0].session_ttl", "");
  check_one_error(pool_errors("max_sessions = 0"), "pools[0].max_sessions",
                  "between 1 and 1000000 (got 0)");
  auto parsed = read_config("[[pools]]\nsession_affinity = \"strict_queue\"\n"
                            "session_ttl = \"90s\"\nmax_sessions = 7\n",
                            "t.toml");
  REQUIRE(parsed.ok());
  const auto& pool = parsed.config->pools[0];
  CHECK(pool.session_affinity == affinity_mode::strict_queue);
  CHECK(pool.session_ttl == std::chrono::seconds{90});
  CHECK(pool.max_sessions == 7);
  auto defaults = read_config("[[pools]]\n", "t.toml");
  REQUIRE(defaults.ok());
  CHECK(defaults.config->pools[0].session_affinity == affinity_mode::hint);
  CHECK(defaults.config->pools[0].session_ttl == std::chrono::hours{1});
}

TEST_CASE("rule: threads_per_worker needs the thread profile",
          "[config][rules]") {
  check_one_error(pool_errors("threads_per_worker = 4"),
                  "pools[0].threads_per_worker", "applies only to profile");
  check_one_error(pool_errors("profile = \"process\"\nthreads_per_worker = 4"),
                  "pools[0].threads_per_worker", "applies only to profile");
}

TEST_CASE("rule: thread_safety_checks is a boolean", "[config][rules]") {
  check_one_error(pool_errors("thread_safety_checks = \"yes\""),
                  "pools[0].thread_safety_checks", "true or false");
  auto r = read_config("[[pools]]\nprofile = \"thread\"\n"
                        "thread_safety_checks = true\n", "t.toml");
  REQUIRE(r.ok());
  CHECK(r.config->pools[0].thread_safety_checks);
}

TEST_CASE("rule: health checks need a timeout and at least one miss",
          "[config][rules]") {
  check_one_error(pool_errors("health_check_timeout = \"0s\""),
                  "pools[0].health_check_timeout", "greater than 0s");
  check_one_error(pool_errors("health_check_max_misses = 0"),
                  "pools[0].health_check_max_misses", "at least 1");
}

TEST_CASE("rule: startup_concurrency is at least 1", "[config][rules]") {
  check_one_error(pool_errors("startup_concurrency = 0"),
                  "pools[0].startup_concurrency", "at least 1");
}

TEST_CASE("rule: env names are valid", "[config][rules]") {
  check_one_error(pool_errors("env = { \"A=B\" = \"x\" }"), "pools[0].env",
                  "\"A=B\" is not a valid environment variable name");
  check_one_error(pool_errors("env = \"A=B\""), "pools[0].env",
                  "expected a table of strings");
}

TEST_CASE("rule: adapter_args is an array of strings", "[config][rules]") {
  check_one_error(pool_errors("adapter_args = \"--x\""),
                  "pools[0].adapter_args", "expected an array of strings");
}

TEST_CASE("rule: log_level is a known level", "[config][rules]") {
  auto r = read_config("log_level = \"verbose\"\n", "t.toml");
  check_one_error(r.errors, "log_level",
                  "\"verbose\" is not one of trace, debug, info, warn, "
                  "error, off");
  for (auto level : {"trace", "debug", "info", "warn", "error", "off"})
    CHECK(read_config("log_level = \"" + std::string{level} + "\"\n", "t")
            .ok());
}

TEST_CASE("rule: python_path is not empty", "[config][rules]") {
  auto r = read_config("python_path = \"\"\n", "t.toml");
  check_one_error(r.errors, "python_path", "must not be empty");
}

TEST_CASE("rule: unknown keys are errors", "[config][rules]") {
  check_one_error(pool_errors("workers = 3"), "pools[0].workers",
                  "unknown key");
  auto r = read_config("verbose = true\n", "t.toml");
  check_one_error(r.errors, "verbose", "unknown key");
}

TEST_CASE("rule: recycling limits are positive or infinity",
          "[config][rules]") {
  auto none = pool_config{};
  CHECK_FALSE(none.recycles());
  for (auto line : {"worker_ttl = \"infinity\"",
                    "worker_max_requests = \"infinity\"",
                    "memory_threshold_mb = \"infinity\"",
                    "memory_threshold_mb = 100", "worker_max_requests = 1"})
    CHECK(pool_errors(line).empty());
  check_one_error(pool_errors("worker_ttl = \"0s\""), "pools[0].worker_ttl",
                  "greater than 0s");
  check_one_error(pool_errors("worker_max_requests = 0"),
                  "pools[0].worker_max_requests", "at least 1 (got 0)");
  check_one_error(pool_errors("worker_max_requests = \"never\""),
                  "pools[0].worker_max_requests",
                  "\"never\" is not an integer or \"infinity\"");
  check_one_error(pool_errors("worker_max_requests = 1.5"),
                  "pools[0].worker_max_requests",
                  "expected an integer or \"infinity\"");
  check_one_error(pool_errors("memory_threshold_mb = -1"),
                  "pools[0].memory_threshold_mb", "greater than 0");
  check_one_error(pool_errors("memory_threshold_mb = true"),
                  "pools[0].memory_threshold_mb",
                  "expected a number or \"infinity\"");
}

TEST_CASE("rule: recycle_jitter is 0 to 1", "[config][rules]") {
  CHECK(pool_errors("recycle_jitter = 0").empty());
  CHECK(pool_errors("recycle_jitter = 1").empty());
  check_one_error(pool_errors("recycle_jitter = 1.5"),
                  "pools[0].recycle_jitter", "between 0 and 1");
  check_one_error(pool_errors("recycle_jitter = \"10%\""),
                  "pools[0].recycle_jitter", "expected a number");
}

TEST_CASE("rule: recycling cadence settings", "[config][rules]") {
  check_one_error(pool_errors("max_concurrent_recycles = 0"),
                  "pools[0].max_concurrent_recycles", "at least 1");
  check_one_error(pool_errors("spare_workers = -1"),
                  "pools[0].spare_workers", "between 0 and 1000");
  check_one_error(pool_errors("spare_workers = 1001"),
                  "pools[0].spare_workers", "between 0 and 1000");
  CHECK(pool_errors("spare_workers = 2").empty());
  check_one_error(pool_errors("lifecycle_interval = \"0s\""),
                  "pools[0].lifecycle_interval", "greater than 0s");
  CHECK(pool_errors("drain_timeout = \"0s\"").empty());
  check_one_error(pool_errors("drain_timeout = \"infinity\""),
                  "pools[0].drain_timeout", "infinity");
}

namespace {

// Parses a config holding a [telemetry] table with the given lines.
std::vector<config_error> telemetry_errors(const std::string& lines) {
  return read_config("[telemetry]\n" + lines + "\n", "t.toml").errors;
}

} // namespace

TEST_CASE("rule: telemetry is a table", "[config][rules]") {
  check_one_error(read_config("telemetry = true\n", "t.toml").errors,
                  "telemetry", "expected a table ([telemetry]), got a boolean");
  check_one_error(read_config("[[telemetry]]\n", "t.toml").errors,
                  "telemetry", "expected a table ([telemetry]), got an array");
  check_one_error(telemetry_errors("prometeus = true"), "telemetry.prometeus",
                  "unknown key; did you mean \"prometheus\"?");
}

TEST_CASE("rule: telemetry switches are booleans", "[config][rules]") {
  for (auto key : {"prometheus", "prometheus_allow_remote", "log_events"}) {
    INFO(key);
    check_one_error(telemetry_errors(std::string{key} + " = 1"),
                    "telemetry." + std::string{key},
                    "expected true or false, got an integer");
    CHECK(telemetry_errors(std::string{key} + " = true").empty());
  }
}

TEST_CASE("rule: prometheus_port is 0 to 65535", "[config][rules]") {
  for (auto port : {"0", "9464", "65535"}) {
    INFO(port);
    CHECK(telemetry_errors(std::string{"prometheus_port = "} + port).empty());
  }
  check_one_error(telemetry_errors("prometheus_port = 65536"),
                  "telemetry.prometheus_port",
                  "must be between 0 and 65535 (got 65536)");
  check_one_error(telemetry_errors("prometheus_port = -1"),
                  "telemetry.prometheus_port", "(got -1)");
  check_one_error(telemetry_errors("prometheus_port = \"9464\""),
                  "telemetry.prometheus_port",
                  "expected an integer, got a string");
  host_config cfg = default_config();
  cfg.telemetry.prometheus_port = 70000;
  check_one_error(check_config(cfg), "telemetry.prometheus_port",
                  "(got 70000)");
}

TEST_CASE("rule: prometheus_address is an IP address", "[config][rules]") {
  for (auto good : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) {
    INFO(good);
    CHECK(telemetry_errors("prometheus_address = \"" + std::string{good}
                           + "\"")
            .empty());
  }
  for (auto bad : {"example.com", "127.0.0", "1.2.3.4.5", "::g"}) {
    INFO(bad);
    check_one_error(telemetry_errors("prometheus_address = \""
                                     + std::string{bad} + "\""),
                    "telemetry.prometheus_address",
                    "\"" + std::string{bad} + "\" is not an IP address");
  }
  check_one_error(telemetry_errors("prometheus_address = \"\""),
                  "telemetry.prometheus_address", "must not be empty");
}

TEST_CASE("rule: a remote prometheus_address needs prometheus_allow_remote",
          "[config][rules]") {
  for (auto remote : {"0.0.0.0", "192.168.1.10", "::", "fe80::1%lo",
                      "::ffff:127.0.0.1"}) {
    INFO(remote);
    auto line = "prometheus_address = \"" + std::string{remote} + "\"";
    auto errors = telemetry_errors(line);
    check_one_error(errors, "telemetry.prometheus_address",
                    "is not a loopback address: the metrics would be "
                    "reachable from other hosts");
    CHECK_THAT(errors.at(0).problem,
               Catch::Contains("set prometheus_allow_remote = true"));
    CHECK(errors.at(0).line == 2);
    CHECK(telemetry_errors(line + "\nprometheus_allow_remote = true").empty());
  }
  // Checked whether or not the endpoint is switched on.
  host_config cfg = default_config();
  cfg.telemetry.prometheus_address = "0.0.0.0";
  check_one_error(check_config(cfg), "telemetry.prometheus_address",
                  "not a loopback address");
}
