// The rules of [cluster.tls], of a remote pool's `tls` and of
// [[pool_groups]]: one case per rule, each config breaking only that rule
// yields exactly one error naming its key.

#include <snakepit/config.hpp>

#include "config_expect.hpp"
#include "core/config_check.hpp"
#include "core/config_checker.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

using namespace snakepit;
using snakepit::test::check_one_error;

namespace {

std::vector<config_error> errors_of(const std::string& text) {
  return read_config(text, "t.toml").errors;
}

/// A readable file for the PEM keys (the rules check readability; the
/// contents are checked when the host starts).
struct pem_file {
  std::string path;
  pem_file() {
    char name[] = "/tmp/snakepit-tls-test-XXXXXX";
    int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = name;
  }
  ~pem_file() {
    std::remove(path.c_str());
  }
};

/// `[cluster.tls]` naming `pem` three times, plus `lines`.
std::string tls_table(const pem_file& pem, const std::string& lines = "") {
  return "[cluster.tls]\ncertificate = \"" + pem.path + "\"\nkey = \""
         + pem.path + "\"\nca = \"" + pem.path + "\"\n" + lines + "\n";
}

const std::string two_pools = "[[pools]]\nname = \"a\"\n"
                              "[[remote_pools]]\nname = \"b\"\n"
                              "node = \"127.0.0.1:7400\"\n";

} // namespace

TEST_CASE("cluster.tls: defaults, and every key is read", "[config][tls]") {
  pem_file pem;
  auto r = read_config("[cluster]\nlisten = \"0.0.0.0:7400\"\n"
                         + tls_table(pem, "handshake_timeout = \"2s\"\n"
                                          "max_message_mb = 8\n"
                                          "max_connections = 10"),
                       "t.toml");
  REQUIRE(r.ok());
  REQUIRE(r.config->cluster.tls);
  const auto& tls = *r.config->cluster.tls;
  CHECK(tls.certificate == pem.path);
  CHECK(tls.key == pem.path);
  CHECK(tls.ca == pem.path);
  CHECK(tls.handshake_timeout == std::chrono::seconds{2});
  CHECK(tls.max_message_mb == 8);
  CHECK(tls.max_connections == 10);
  auto plain = read_config("", "t.toml");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain.config->cluster.tls);
  cluster_tls_config defaults;
  CHECK(defaults.handshake_timeout == std::chrono::seconds{5});
  CHECK(defaults.max_message_mb == 64);
  CHECK(defaults.max_connections == 64);
}

TEST_CASE("cluster.tls: any address may be served with TLS",
          "[config][tls]") {
  pem_file pem;
  for (auto address : {"0.0.0.0:7400", "10.1.2.3:0", "[::]:7400",
                       "127.0.0.1:7400"}) {
    INFO(address);
    CHECK(errors_of(std::string{"[cluster]\nlisten = \""} + address + "\"\n"
                    + tls_table(pem))
            .empty());
  }
  // A bind address is an IP address, even with TLS.
  check_one_error(errors_of("[cluster]\nlisten = \"example.org:7400\"\n"
                            + tls_table(pem)),
                  "cluster.listen", "is not an IP address");
}

TEST_CASE("cluster.tls: certificate, key and CA are all needed and readable",
          "[config][tls]") {
  pem_file pem;
  check_one_error(errors_of("[cluster.tls]\ncertificate = \"" + pem.path
                            + "\"\nkey = \"" + pem.path + "\"\n"),
                  "cluster.tls.ca", "must name a PEM file");
  check_one_error(errors_of("[cluster.tls]\ncertificate = \"" + pem.path
                            + "\"\nca = \"" + pem.path + "\"\n"),
                  "cluster.tls.key", "must name a PEM file");
  check_one_error(errors_of("[cluster.tls]\ncertificate = "
                            "\"/nonexistent/node.pem\"\nkey = \""
                            + pem.path + "\"\nca = \"" + pem.path + "\"\n"),
                  "cluster.tls.certificate",
                  "cannot read \"/nonexistent/node.pem\": No such file");
}

TEST_CASE("cluster.tls: limits", "[config][tls]") {
  pem_file pem;
  check_one_error(errors_of(tls_table(pem, "max_message_mb = 0")),
                  "cluster.tls.max_message_mb", "between 1 and 4095");
  check_one_error(errors_of(tls_table(pem, "max_message_mb = 4096")),
                  "cluster.tls.max_message_mb", "between 1 and 4095");
  check_one_error(errors_of(tls_table(pem, "max_connections = 0")),
                  "cluster.tls.max_connections", "between 1 and 100000");
  check_one_error(errors_of(tls_table(pem, "handshake_timeout = \"0s\"")),
                  "cluster.tls.handshake_timeout", "greater than 0s");
  check_one_error(errors_of(tls_table(pem, "certificat = \"x\"")),
                  "cluster.tls.certificat", "did you mean \"certificate\"?");
  check_one_error(errors_of("[cluster]\ntls = 1\n"), "cluster.tls",
                  "a table ([cluster.tls])");
}

TEST_CASE("remote pool: TLS by default with [cluster.tls], needed off "
          "loopback",
          "[config][tls]") {
  pem_file pem;
  auto with_tls = read_config(two_pools + tls_table(pem), "t.toml");
  REQUIRE(with_tls.ok());
  CHECK(remote_uses_tls(with_tls.config->remote_pools[0],
                        with_tls.config->cluster));
  auto plain = read_config(two_pools, "t.toml");
  REQUIRE(plain.ok());
  CHECK_FALSE(remote_uses_tls(plain.config->remote_pools[0],
                              plain.config->cluster));
  // A loopback node may opt out; a host name needs TLS.
  CHECK(errors_of(two_pools + "tls = false\n" + tls_table(pem)).empty());
  CHECK(errors_of("[[remote_pools]]\nname = \"b\"\nnode = \"gpu-1.lan:7400\"\n"
                  + tls_table(pem))
          .empty());
  check_one_error(errors_of(two_pools + "tls = true\n"), "remote_pools[0].tls",
                  "[cluster.tls] names no certificate");
  check_one_error(errors_of("[[remote_pools]]\nname = \"b\"\n"
                            "node = \"gpu-1.lan:7400\"\n"),
                  "remote_pools[0].node", "needs mutual TLS");
  check_one_error(errors_of("[[remote_pools]]\nname = \"b\"\n"
                            "node = \"10.0.0.2:7400\"\ntls = false\n"
                            + tls_table(pem)),
                  "remote_pools[0].node", "needs mutual TLS");
  check_one_error(errors_of("[[remote_pools]]\nname = \"b\"\n"
                            "node = \"bad_name!:7400\"\n" + tls_table(pem)),
                  "remote_pools[0].node", "nor a host name");
  check_one_error(errors_of(two_pools + "tls = \"yes\"\n"),
                  "remote_pools[0].tls", "true or false");
}

TEST_CASE("remote pool: session keys, and a group's ttl against its "
          "remote members'",
          "[config][group]") {
  auto r = read_config(two_pools, "t.toml");
  REQUIRE(r.ok());
  CHECK(r.config->remote_pools[0].session_ttl == std::chrono::hours{1});
  CHECK(r.config->remote_pools[0].max_sessions == 10000);
  r = read_config(two_pools + "session_ttl = \"2h\"\nmax_sessions = 7\n",
                  "t.toml");
  REQUIRE(r.ok());
  CHECK(r.config->remote_pools[0].session_ttl == std::chrono::hours{2});
  CHECK(r.config->remote_pools[0].max_sessions == 7);
  check_one_error(errors_of(two_pools + "max_sessions = 0\n"),
                  "remote_pools[0].max_sessions", "between 1 and 1000000");
  check_one_error(errors_of(two_pools + "session_ttl = \"0s\"\n"),
                  "remote_pools[0].session_ttl", "greater than 0s");
  check_one_error(errors_of(two_pools + "session_ttl = \"infinity\"\n"
                                        "[[pool_groups]]\nname = \"g\"\n"
                                        "members = [\"a\", \"b\"]\n"),
                  "pool_groups[0].session_ttl",
                  "shorter than the session_ttl of member b (infinity)");
}

TEST_CASE("pool group: defaults, and every key is read", "[config][group]") {
  auto r = read_config(two_pools
                         + "[[pool_groups]]\nname = \"g\"\n"
                           "members = [\"a\", \"b\"]\n"
                           "[[pool_groups]]\nname = \"h\"\nmembers = [\"a\"]\n"
                           "strategy = \"round_robin\"\n"
                           "status_interval = \"2s\"\n"
                           "session_ttl = \"infinity\"\n"
                           "max_sessions = 5\n",
                       "t.toml");
  REQUIRE(r.ok());
  REQUIRE(r.config->pool_groups.size() == 2);
  const auto& g = r.config->pool_groups[0];
  CHECK(g.name == "g");
  CHECK(g.members == std::vector<std::string>{"a", "b"});
  CHECK(g.strategy == group_strategy::least_loaded);
  CHECK(g.status_interval == std::chrono::milliseconds{500});
  CHECK(g.session_ttl == std::chrono::hours{1});
  CHECK(g.max_sessions == 10000);
  const auto& h = r.config->pool_groups[1];
  CHECK(h.strategy == group_strategy::round_robin);
  CHECK(h.status_interval == std::chrono::seconds{2});
  CHECK(h.session_ttl == std::chrono::milliseconds::max());
  CHECK(h.max_sessions == 5);
  CHECK(to_string(group_strategy::round_robin) == "round_robin");
  CHECK(group_strategy_from_string("least_loaded")
        == group_strategy::least_loaded);
  CHECK_FALSE(group_strategy_from_string("random"));
}

TEST_CASE("pool group: members are this host's pools, each once",
          "[config][group]") {
  auto group = [](const std::string& lines) {
    return errors_of(two_pools + "[[pool_groups]]\nname = \"g\"\n" + lines
                     + "\n");
  };
  check_one_error(group("members = []"), "pool_groups[0].members",
                  "at least one pool");
  check_one_error(group(""), "pool_groups[0].members", "at least one pool");
  check_one_error(group("members = [\"a\", \"c\"]"),
                  "pool_groups[0].members[1]",
                  "\"c\" is not a pool or remote pool");
  check_one_error(group("members = [\"a\", \"a\"]"),
                  "pool_groups[0].members[1]", "listed twice");
  check_one_error(group("members = [\"a\", 3]"), "pool_groups[0].members[1]",
                  "a string");
  check_one_error(errors_of(two_pools
                            + "[[pool_groups]]\nname = \"g\"\nmembers = "
                              "[\"a\"]\n[[pool_groups]]\nname = \"h\"\n"
                              "members = [\"g\"]\n"),
                  "pool_groups[1].members[0]", "is a pool group");
}

TEST_CASE("pool group: name, strategy, interval and sessions",
          "[config][group]") {
  auto group = [](const std::string& lines) {
    return errors_of(two_pools + "[[pool_groups]]\nmembers = [\"a\"]\n" + lines
                     + "\n");
  };
  check_one_error(group("name = \"a\""), "pool_groups[0].name",
                  "duplicate pool name \"a\" (also used by pools[0])");
  check_one_error(group(""), "pool_groups[0].name", "must not be empty");
  check_one_error(group("name = \"g\"\nstrategy = \"random\""),
                  "pool_groups[0].strategy",
                  "\"random\" is not \"least_loaded\" or \"round_robin\"");
  check_one_error(group("name = \"g\"\nstatus_interval = \"0s\""),
                  "pool_groups[0].status_interval", "greater than 0s");
  check_one_error(group("name = \"g\"\nsession_ttl = \"0s\""),
                  "pool_groups[0].session_ttl", "greater than 0s");
  check_one_error(group("name = \"g\"\nmax_sessions = 0"),
                  "pool_groups[0].max_sessions", "between 1 and 1000000");
  // The group must not forget a session before its local member does.
  check_one_error(errors_of("[[pools]]\nname = \"a\"\nsession_ttl = \"2h\"\n"
                            "[[pool_groups]]\nname = \"g\"\n"
                            "members = [\"a\"]\n"),
                  "pool_groups[0].session_ttl",
                  "is 1h, shorter than the session_ttl of member a (2h)");
  CHECK(errors_of("[[pools]]\nname = \"a\"\nsession_ttl = \"2h\"\n"
                  "[[pool_groups]]\nname = \"g\"\nmembers = [\"a\"]\n"
                  "session_ttl = \"infinity\"\n")
          .empty());
  check_one_error(group("name = \"g\"\nmember = [\"a\"]"),
                  "pool_groups[0].member", "did you mean \"members\"?");
  check_one_error(errors_of(two_pools + "[pool_groups]\nname = \"g\"\n"),
                  "pool_groups", "an array of tables");
}

TEST_CASE("examples/two_nodes: both hosts' configs are valid",
          "[config][group]") {
  auto b = read_config_file(SNAKEPIT_SOURCE_DIR "/examples/two_nodes/node_b.toml");
  INFO((b.errors.empty() ? "" : to_string(b.errors.front())));
  REQUIRE(b.ok());
  CHECK(b.config->cluster.listen == "127.0.0.1:7400");
  auto a = read_config_file(SNAKEPIT_SOURCE_DIR "/examples/two_nodes/node_a.toml");
  INFO((a.errors.empty() ? "" : to_string(a.errors.front())));
  REQUIRE(a.ok());
  REQUIRE(a.config->pool_groups.size() == 1);
  CHECK(a.config->pool_groups[0].members
        == std::vector<std::string>{"local", "far"});
}
