#include <snakepit/config.hpp>

#include "core/config_check.hpp"

#include <catch2/catch.hpp>

using namespace snakepit;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

void check_same_pool(const pool_config& a, const pool_config& b) {
  CHECK(a.name == b.name);
  CHECK(a.profile == b.profile);
  CHECK(a.size == b.size);
  CHECK(a.adapter == b.adapter);
  CHECK(a.adapter_args == b.adapter_args);
  CHECK(a.env == b.env);
  CHECK(a.python == b.python);
  CHECK(a.startup_timeout == b.startup_timeout);
  CHECK(a.startup_concurrency == b.startup_concurrency);
  CHECK(a.queue_size == b.queue_size);
  CHECK(a.queue_timeout == b.queue_timeout);
  CHECK(a.request_timeout == b.request_timeout);
  CHECK(a.shutdown_timeout == b.shutdown_timeout);
  CHECK(a.hung_call_grace == b.hung_call_grace);
  CHECK(a.health_check_interval == b.health_check_interval);
  CHECK(a.health_check_timeout == b.health_check_timeout);
  CHECK(a.health_check_max_misses == b.health_check_max_misses);
  CHECK(a.max_restarts == b.max_restarts);
  CHECK(a.restart_period == b.restart_period);
  CHECK(a.restart_backoff == b.restart_backoff);
  CHECK(a.restart_backoff_max == b.restart_backoff_max);
  CHECK(a.threads_per_worker == b.threads_per_worker);
  CHECK(a.thread_safety_checks == b.thread_safety_checks);
  CHECK(a.worker_ttl == b.worker_ttl);
  CHECK(a.worker_max_requests == b.worker_max_requests);
  CHECK(a.memory_threshold_mb == b.memory_threshold_mb);
  CHECK(a.recycle_jitter == b.recycle_jitter);
  CHECK(a.max_concurrent_recycles == b.max_concurrent_recycles);
  CHECK(a.spare_workers == b.spare_workers);
  CHECK(a.lifecycle_interval == b.lifecycle_interval);
  CHECK(a.drain_timeout == b.drain_timeout);
}

void check_same_telemetry(const telemetry_config& a,
                          const telemetry_config& b) {
  CHECK(a.prometheus == b.prometheus);
  CHECK(a.prometheus_address == b.prometheus_address);
  CHECK(a.prometheus_port == b.prometheus_port);
  CHECK(a.prometheus_allow_remote == b.prometheus_allow_remote);
  CHECK(a.log_events == b.log_events);
}

void check_same(const host_config& a, const host_config& b) {
  CHECK(a.run_dir == b.run_dir);
  CHECK(a.python_path == b.python_path);
  CHECK(a.log_level == b.log_level);
  check_same_telemetry(a.telemetry, b.telemetry);
  CHECK(a.cluster.listen == b.cluster.listen);
  CHECK(a.cluster.heartbeat == b.cluster.heartbeat);
  CHECK(a.cluster.node_timeout == b.cluster.node_timeout);
  CHECK(a.remote_pools.size() == b.remote_pools.size());
  REQUIRE(a.pools.size() == b.pools.size());
  for (size_t i = 0; i < a.pools.size(); ++i)
    check_same_pool(a.pools[i], b.pools[i]);
}

std::string all_errors(const config_result& r) {
  std::string out;
  for (const auto& e : r.errors)
    out += to_string(e) + "\n";
  return out;
}

} // namespace

TEST_CASE("examples/default.toml is exactly default_config()", "[config]") {
  auto r = read_config_file(SNAKEPIT_SOURCE_DIR "/examples/default.toml");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  check_same(*r.config, default_config());
}

TEST_CASE("default_config is valid and has one default pool", "[config]") {
  auto cfg = default_config();
  CHECK(check_config(cfg).empty());
  REQUIRE(cfg.pools.size() == 1);
  CHECK(cfg.pools[0].name == "default");
  CHECK(cfg.pools[0].profile == worker_profile::process);
  CHECK(cfg.pools[0].size == 2);
  // No package directory compiled in: the host finds it at run time.
  CHECK_FALSE(cfg.python_path.has_value());
}

TEST_CASE("telemetry exporters are off by default", "[config]") {
  auto cfg = default_config();
  CHECK_FALSE(cfg.telemetry.prometheus);
  CHECK(cfg.telemetry.prometheus_address == "127.0.0.1");
  CHECK(cfg.telemetry.prometheus_port == 9464);
  CHECK_FALSE(cfg.telemetry.prometheus_allow_remote);
  CHECK_FALSE(cfg.telemetry.log_events);
  // A [telemetry] table leaves the keys it does not name at their defaults.
  auto r = read_config("[telemetry]\nprometheus = true\n", "t.toml");
  REQUIRE(r.ok());
  auto expected = telemetry_config{};
  expected.prometheus = true;
  check_same_telemetry(r.config->telemetry, expected);
}

TEST_CASE("a file without pools gets the default pool", "[config]") {
  for (auto text : {"", "log_level = \"debug\"", "pools = []"}) {
    INFO(text);
    auto r = read_config(text, "t.toml");
    REQUIRE(r.ok());
    REQUIRE(r.config->pools.size() == 1);
    check_same_pool(r.config->pools[0], pool_config{});
  }
}

TEST_CASE("every key is read", "[config]") {
  auto r = read_config(R"(
run_dir = "/tmp/sp"
python_path = "/opt/py"
log_level = "debug"

[telemetry]
prometheus = true
prometheus_address = "0.0.0.0"
prometheus_port = 0
prometheus_allow_remote = true
log_events = true

[[pools]]
name = "ml-gpu_1"
profile = "thread"
size = 3
adapter = "my_pkg.adapters.Model"
adapter_args = ["--model", "small"]
python = "/opt/venv/bin/python"
startup_timeout = "1m"
startup_concurrency = 2
queue_size = 50
queue_timeout = "infinity"
request_timeout = "1.5s"
shutdown_timeout = "0s"
max_restarts = 0
restart_period = "1h"
restart_backoff = "250ms"
restart_backoff_max = "1m30s"
threads_per_worker = 16
worker_ttl = "1h"
worker_max_requests = 500
memory_threshold_mb = 256.5
recycle_jitter = 0.25
max_concurrent_recycles = 2
spare_workers = 3
lifecycle_interval = "250ms"
drain_timeout = "10s"
env = { OMP_NUM_THREADS = "1", MODE = "fast" }

[[pools]]
name = "second"
)",
                        "t.toml");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  const auto& cfg = *r.config;
  CHECK(cfg.run_dir == "/tmp/sp");
  CHECK(cfg.python_path == "/opt/py");
  CHECK(cfg.log_level == "debug");
  CHECK(cfg.telemetry.prometheus);
  CHECK(cfg.telemetry.prometheus_address == "0.0.0.0");
  CHECK(cfg.telemetry.prometheus_port == 0);
  CHECK(cfg.telemetry.prometheus_allow_remote);
  CHECK(cfg.telemetry.log_events);
  REQUIRE(cfg.pools.size() == 2);
  const auto& p = cfg.pools[0];
  CHECK(p.name == "ml-gpu_1");
  CHECK(p.profile == worker_profile::thread);
  CHECK(p.size == 3);
  CHECK(p.adapter == "my_pkg.adapters.Model");
  CHECK(p.adapter_args == std::vector<std::string>{"--model", "small"});
  CHECK(p.python == "/opt/venv/bin/python");
  CHECK(p.startup_timeout == seconds{60});
  CHECK(p.startup_concurrency == 2);
  CHECK(p.queue_size == 50);
  CHECK(p.queue_timeout == milliseconds::max());
  CHECK(p.request_timeout == milliseconds{1500});
  CHECK(p.shutdown_timeout == milliseconds{0});
  CHECK(p.max_restarts == 0);
  CHECK(p.restart_period == seconds{3600});
  CHECK(p.restart_backoff == milliseconds{250});
  CHECK(p.restart_backoff_max == seconds{90});
  CHECK(p.threads_per_worker == 16);
  CHECK(p.worker_ttl == seconds{3600});
  CHECK(p.worker_max_requests == 500);
  CHECK(p.memory_threshold_mb == 256.5);
  CHECK(p.recycle_jitter == 0.25);
  CHECK(p.max_concurrent_recycles == 2);
  CHECK(p.spare_workers == 3);
  CHECK(p.lifecycle_interval == milliseconds{250});
  CHECK(p.drain_timeout == seconds{10});
  CHECK(p.recycles());
  CHECK(p.env
        == std::map<std::string, std::string>{{"MODE", "fast"},
                                              {"OMP_NUM_THREADS", "1"}});
  check_same_pool(cfg.pools[1], [] {
    pool_config second;
    second.name = "second";
    return second;
  }());
}

TEST_CASE("all errors are collected, ordered by line", "[config]") {
  auto r = read_config(R"([[pools]]
name = "a"
size = 0
queue_timeout = "5x"
sise = 3

[[pools]]
name = "a"
profile = "threads"
)",
                        "snakepit.toml");
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 5);
  CHECK(to_string(r.errors[0])
        == "snakepit.toml:3: pools[0].size: must be at least 1 (got 0)");
  CHECK(to_string(r.errors[1])
        == "snakepit.toml:4: pools[0].queue_timeout: \"5x\" is not a "
           "duration (use e.g. \"500ms\", \"30s\", \"1h\")");
  CHECK(to_string(r.errors[2])
        == "snakepit.toml:5: pools[0].sise: unknown key; did you mean "
           "\"size\"?");
  CHECK(r.errors[3].key == "pools[1].name");
  CHECK(r.errors[3].line == 8);
  CHECK(r.errors[4].key == "pools[1].profile");
  CHECK(r.errors[4].line == 9);
}

TEST_CASE("unknown keys suggest the closest known key", "[config]") {
  auto r = read_config("log_levle = \"info\"\n"
                        "pool = []\n"
                        "[telemetry]\n"
                        "prometheus_prot = 9000\n"
                        "[[pools]]\n"
                        "queue_timout = \"1s\"\n"
                        "treads_per_worker = 4\n"
                        "colour = \"blue\"\n",
                        "t.toml");
  REQUIRE(r.errors.size() == 6);
  CHECK(r.errors[0].key == "log_levle");
  CHECK(r.errors[0].problem == "unknown key; did you mean \"log_level\"?");
  CHECK(r.errors[1].key == "pool");
  CHECK(r.errors[1].problem == "unknown key; did you mean \"pools\"?");
  CHECK(to_string(r.errors[2])
        == "t.toml:4: telemetry.prometheus_prot: unknown key; did you mean "
           "\"prometheus_port\"?");
  CHECK(r.errors[3].problem == "unknown key; did you mean \"queue_timeout\"?");
  CHECK(r.errors[4].problem
        == "unknown key; did you mean \"threads_per_worker\"?");
  CHECK(r.errors[5].key == "pools[0].colour");
  CHECK(r.errors[5].problem == "unknown key (see docs/configuration.md)");
}

TEST_CASE("wrong types name the expected type", "[config]") {
  auto r = read_config("log_level = 3\n"
                        "[[pools]]\n"
                        "size = \"2\"\n"
                        "queue_timeout = 5\n"
                        "adapter_args = [\"a\", 1]\n"
                        "env = { A = 1 }\n",
                        "t.toml");
  REQUIRE(r.errors.size() == 5);
  CHECK(r.errors[0].key == "log_level");
  CHECK(r.errors[0].problem == "expected a string, got an integer");
  CHECK(r.errors[1].key == "pools[0].size");
  CHECK(r.errors[1].problem == "expected an integer, got a string");
  CHECK(r.errors[2].key == "pools[0].queue_timeout");
  CHECK(r.errors[2].problem
        == "expected a duration string such as \"30s\", got an integer");
  CHECK(r.errors[3].key == "pools[0].adapter_args[1]");
  CHECK(r.errors[4].key == "pools[0].env.A");
}

TEST_CASE("pools must be an array of tables", "[config]") {
  auto r = read_config("[pools]\nname = \"x\"\n", "t.toml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].key == "pools");
  CHECK(r.errors[0].problem
        == "expected an array of tables ([[pools]]), got a table");
  r = read_config("pools = [1]\n", "t.toml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].key == "pools[0]");
}

TEST_CASE("a syntax error names the line", "[config]") {
  auto r = read_config("log_level = \"info\"\nsize = = 2\n", "bad.toml");
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].source == "bad.toml");
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[0].key.empty());
  CHECK_THAT(r.errors[0].problem, Catch::StartsWith("syntax error"));
}

TEST_CASE("an unreadable file is an error naming the path", "[config]") {
  auto r = read_config_file("/nonexistent/snakepit.toml");
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK(to_string(r.errors[0])
        == "/nonexistent/snakepit.toml: cannot read file: No such file or "
           "directory");
  r = read_config_file(SNAKEPIT_SOURCE_DIR "/examples");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].source == SNAKEPIT_SOURCE_DIR "/examples");
}

TEST_CASE("config_error to_string leaves out empty parts", "[config]") {
  CHECK(to_string(config_error{"size", "bad", "", 0}) == "size: bad");
  CHECK(to_string(config_error{"", "bad", "f.toml", 0}) == "f.toml: bad");
  CHECK(to_string(config_error{"size", "bad", "f.toml", 7})
        == "f.toml:7: size: bad");
}

TEST_CASE("validate checks configs built in code", "[config]") {
  host_config cfg;
  cfg.log_level = "loud";
  auto errors = check_config(cfg);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].key == "pools");
  CHECK(errors[1].key == "log_level");
  CHECK(errors[0].source.empty());

  cfg = default_config();
  cfg.pools[0].restart_backoff = milliseconds{-1};
  cfg.pools[0].startup_timeout = milliseconds::max();
  errors = check_config(cfg);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].key == "pools[0].startup_timeout");
  CHECK(errors[0].problem == "must be finite");
  CHECK(errors[1].key == "pools[0].restart_backoff");
  CHECK(errors[1].problem == "must not be negative (got -1ms)");
}

TEST_CASE("worker_profile names round-trip", "[config]") {
  CHECK(to_string(worker_profile::process) == "process");
  CHECK(to_string(worker_profile::thread) == "thread");
  CHECK(worker_profile_from_string("thread") == worker_profile::thread);
  CHECK_FALSE(worker_profile_from_string("Thread").has_value());
}

TEST_CASE("examples/recycling.toml is valid and sets every recycling limit",
          "[config]") {
  auto r = read_config_file(SNAKEPIT_SOURCE_DIR "/examples/recycling.toml");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  const auto& pool = r.config->pools.at(0);
  CHECK(pool.worker_max_requests == 1000);
  CHECK(pool.worker_ttl == std::chrono::hours{1});
  CHECK(pool.memory_threshold_mb == 300);
  CHECK(r.config->telemetry.log_events);
}

TEST_CASE("the public calls answer a result listing every problem",
          "[config]") {
  const char* text = "[[pools]]\nsize = 0\nsise = 3\n";
  auto detailed = read_config(text, "s.toml");
  REQUIRE(detailed.errors.size() == 2);
  auto r = parse_config(text, "s.toml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == error_code::invalid_arguments);
  CHECK(r.error().message
        == to_string(detailed.errors[0]) + "\n"
             + to_string(detailed.errors[1]));

  auto file = load_config_file(SNAKEPIT_SOURCE_DIR "/examples/default.toml");
  REQUIRE(file.ok());
  CHECK(file->pools.size() == 1);
  CHECK(validate(*file).ok());
  CHECK(load_config_file("/nonexistent/s.toml").code()
        == error_code::invalid_arguments);

  host_config broken = *file;
  broken.pools.clear();
  broken.log_level = "loud";
  auto valid = validate(broken);
  REQUIRE_FALSE(valid.ok());
  CHECK(valid.error().message
        == "pools: at least one pool or remote pool is required\n"
           "log_level: \"loud\" is not one of trace, debug, info, warn, "
           "error, off");
}
