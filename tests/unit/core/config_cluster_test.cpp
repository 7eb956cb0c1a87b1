// The rules of [cluster] and [[remote_pools]]: one case per rule, each
// config breaking only that rule yields exactly one error naming its key.

#include <snakepit/config.hpp>

#include "core/config_check.hpp"
#include "config_expect.hpp"
#include "core/config_checker.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace snakepit;
using snakepit::test::check_one_error;

namespace {

std::vector<config_error> errors_of(const std::string& text) {
  return read_config(text, "t.toml").errors;
}

std::vector<config_error> cluster_errors(const std::string& lines) {
  return errors_of("[cluster]\n" + lines + "\n");
}

// A config with one local pool and one remote pool with `lines`.
std::vector<config_error> remote_errors(const std::string& lines) {
  return errors_of("[[pools]]\nname = \"local\"\n[[remote_pools]]\n" + lines
                   + "\n");
}

const std::string good_remote = "name = \"gpu\"\nnode = \"127.0.0.1:7400\"\n";

} // namespace

TEST_CASE("cluster: off by default, with heartbeats of 1s and a 5s timeout",
          "[config][cluster]") {
  auto cfg = read_config("", "t.toml");
  REQUIRE(cfg.ok());
  CHECK(cfg.config->cluster.listen.empty());
  CHECK(cfg.config->cluster.heartbeat == std::chrono::seconds{1});
  CHECK(cfg.config->cluster.node_timeout == std::chrono::seconds{5});
  CHECK(cfg.config->remote_pools.empty());
}

TEST_CASE("cluster: listen is address:port on loopback", "[config][cluster]") {
  for (auto ok : {"127.0.0.1:7400", "127.0.0.1:0", "localhost:1",
                  "[::1]:7400", "127.1.2.3:65535"}) {
    INFO(ok);
    CHECK(cluster_errors(std::string{"listen = \""} + ok + "\"").empty());
  }
  check_one_error(cluster_errors("listen = \"7400\""), "cluster.listen",
                  "is not \"address:port\"");
  check_one_error(cluster_errors("listen = \"127.0.0.1:70000\""),
                  "cluster.listen", "port must be a number from 0 to 65535");
  check_one_error(cluster_errors("listen = \"127.0.0.1:x\""),
                  "cluster.listen", "port must be a number");
  check_one_error(cluster_errors("listen = \"::1:7400\""), "cluster.listen",
                  "in brackets");
  check_one_error(cluster_errors("listen = \"example.org:7400\""),
                  "cluster.listen", "is not an IP address");
  check_one_error(cluster_errors("listen = 7400"), "cluster.listen",
                  "expected a string");
}

TEST_CASE("cluster: a non-loopback listen is refused without TLS",
          "[config][cluster]") {
  for (auto address : {"0.0.0.0:7400", "10.1.2.3:7400", "[::]:7400",
                       "[fe80::1%eth0]:7400"}) {
    INFO(address);
    check_one_error(cluster_errors(std::string{"listen = \""} + address
                                   + "\""),
                    "cluster.listen", "not a loopback address");
  }
}

TEST_CASE("cluster: node_timeout is at least twice heartbeat, which may be 0",
          "[config][cluster]") {
  check_one_error(cluster_errors("heartbeat = \"3s\""), "cluster.node_timeout",
                  "at least twice heartbeat (6s)");
  CHECK(cluster_errors("heartbeat = \"3s\"\nnode_timeout = \"6s\"").empty());
  CHECK(cluster_errors("heartbeat = \"0s\"").empty());
  check_one_error(cluster_errors("node_timeout = \"0s\""),
                  "cluster.node_timeout", "greater than 0s");
  check_one_error(cluster_errors("heartbeat = \"infinity\""),
                  "cluster.heartbeat", "may not be \"infinity\"");
}

TEST_CASE("cluster: unknown keys are named, with the closest known one",
          "[config][cluster]") {
  check_one_error(cluster_errors("lisen = \"127.0.0.1:1\""), "cluster.lisen",
                  "did you mean \"listen\"?");
  check_one_error(remote_errors(good_remote + "nod = \"x\""),
                  "remote_pools[0].nod", "did you mean \"node\"?");
  check_one_error(errors_of("cluster = 1\n"), "cluster", "a table");
  check_one_error(errors_of("[remote_pools]\nname = \"x\"\n"), "remote_pools",
                  "an array of tables");
}

TEST_CASE("remote pool: defaults and a full entry", "[config][cluster]") {
  auto cfg = read_config("[[remote_pools]]\n" + good_remote, "t.toml");
  REQUIRE(cfg.ok());
  // A host with only remote pools gets no default local pool.
  CHECK(cfg.config->pools.empty());
  REQUIRE(cfg.config->remote_pools.size() == 1);
  const auto& remote = cfg.config->remote_pools.front();
  CHECK(remote.pool == "default");
  CHECK(remote.connect_timeout == std::chrono::seconds{3});
  CHECK(remote.reconnect_backoff == std::chrono::milliseconds{100});
  CHECK(remote.reconnect_backoff_max == std::chrono::seconds{5});
  CHECK(remote.reply_timeout == std::chrono::minutes{5});
  CHECK(remote_errors(good_remote
                      + "pool = \"p-1\"\nconnect_timeout = \"1s\"\n"
                        "reconnect_backoff = \"50ms\"\n"
                        "reconnect_backoff_max = \"1s\"\n"
                        "reply_timeout = \"10s\"")
          .empty());
}

TEST_CASE("remote pool: node is a loopback address:port with a port",
          "[config][cluster]") {
  check_one_error(remote_errors("name = \"gpu\""), "remote_pools[0].node",
                  "must name the other host");
  check_one_error(remote_errors("name = \"gpu\"\nnode = \"127.0.0.1:0\""),
                  "remote_pools[0].node", "port must be from 1 to 65535");
  check_one_error(remote_errors("name = \"gpu\"\nnode = \"192.168.1.5:7400\""),
                  "remote_pools[0].node", "not a loopback address");
}

TEST_CASE("remote pool: names follow the pool rules and are unique among "
          "pools and remote pools",
          "[config][cluster]") {
  check_one_error(remote_errors("node = \"127.0.0.1:7400\""),
                  "remote_pools[0].name", "must not be empty");
  check_one_error(remote_errors("name = \"a b\"\nnode = \"127.0.0.1:7400\""),
                  "remote_pools[0].name", "characters outside");
  check_one_error(remote_errors("name = \"local\"\nnode = \"127.0.0.1:7400\""),
                  "remote_pools[0].name",
                  "duplicate pool name \"local\" (also used by pools[0])");
  check_one_error(remote_errors(good_remote + "pool = \"\""),
                  "remote_pools[0].pool", "must not be empty");
}

TEST_CASE("remote pool: backoff bounds and timeouts", "[config][cluster]") {
  check_one_error(remote_errors(good_remote + "reconnect_backoff = \"2s\"\n"
                                              "reconnect_backoff_max = \"1s\""),
                  "remote_pools[0].reconnect_backoff_max",
                  "at least reconnect_backoff (2s)");
  check_one_error(remote_errors(good_remote + "connect_timeout = \"0s\""),
                  "remote_pools[0].connect_timeout", "greater than 0s");
  check_one_error(remote_errors(good_remote + "reply_timeout = \"infinity\""),
                  "remote_pools[0].reply_timeout", "may not be \"infinity\"");
}

TEST_CASE("a host needs a pool or a remote pool", "[config][cluster]") {
  host_config cfg;
  auto problems = check_config(cfg);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].key == "pools");
  CHECK_THAT(problems[0].problem,
             Catch::Contains("at least one pool or remote pool"));
}

TEST_CASE("parse_endpoint splits host and port", "[config][cluster]") {
  auto v4 = parse_endpoint("127.0.0.1:7400");
  REQUIRE(std::holds_alternative<endpoint>(v4));
  CHECK(std::get<endpoint>(v4).host == "127.0.0.1");
  CHECK(std::get<endpoint>(v4).port == 7400);
  auto v6 = parse_endpoint("[::1]:0");
  REQUIRE(std::holds_alternative<endpoint>(v6));
  CHECK(std::get<endpoint>(v6).host == "::1");
  CHECK(std::get<endpoint>(v6).port == 0);
  CHECK(std::holds_alternative<std::string>(parse_endpoint(":7400")));
  CHECK(std::holds_alternative<std::string>(parse_endpoint("host:")));
  CHECK(std::holds_alternative<std::string>(parse_endpoint("host:123456")));
}

TEST_CASE("cluster and remote pool: every key is read", "[config][cluster]") {
  auto r = read_config(R"(
[cluster]
listen = "[::1]:7401"
heartbeat = "250ms"
node_timeout = "2s"

[[remote_pools]]
name = "far"
node = "localhost:7400"
pool = "gpu"
connect_timeout = "1s"
reconnect_backoff = "20ms"
reconnect_backoff_max = "2s"
reply_timeout = "90s"
)",
                       "t.toml");
  REQUIRE(r.ok());
  const auto& cfg = *r.config;
  CHECK(cfg.cluster.listen == "[::1]:7401");
  CHECK(cfg.cluster.heartbeat == std::chrono::milliseconds{250});
  CHECK(cfg.cluster.node_timeout == std::chrono::seconds{2});
  REQUIRE(cfg.remote_pools.size() == 1);
  const auto& far = cfg.remote_pools.front();
  CHECK(far.name == "far");
  CHECK(far.node == "localhost:7400");
  CHECK(far.pool == "gpu");
  CHECK(far.connect_timeout == std::chrono::seconds{1});
  CHECK(far.reconnect_backoff == std::chrono::milliseconds{20});
  CHECK(far.reconnect_backoff_max == std::chrono::seconds{2});
  CHECK(far.reply_timeout == std::chrono::seconds{90});
}
