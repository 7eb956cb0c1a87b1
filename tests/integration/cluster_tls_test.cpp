// Mutual TLS between hosts (docs/distribution.md, "Mutual TLS"): a
// `snakepit run` process serves its pools behind the TLS front, a host in
// the test process reaches them with its own certificate. Certificates are
// made for each run by scripts/cluster-certs.sh: the cluster's CA, members,
// a rogue CA's member, and a member certificate naming another host.

#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cluster_support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono_literals;

namespace {

const std::string openssl = "/usr/bin/openssl";

/// Runs scripts/cluster-certs.sh with `args`; fails the test when it fails.
void make_certs(std::vector<std::string> args) {
  args.insert(args.begin(),
              {"/bin/bash", SNAKEPIT_SOURCE_DIR "/scripts/cluster-certs.sh"});
  auto r = run_command(std::move(args));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

/// Certificates for one test, in their own directory.
class certificates {
public:
  certificates() {
    make_ca("ca");
    make_ca("rogue-ca");
    make_member("node-a", "ca", "DNS:localhost,IP:127.0.0.1");
    make_member("node-b", "ca", "DNS:localhost,IP:127.0.0.1");
    make_member("rogue", "rogue-ca", "DNS:localhost,IP:127.0.0.1");
    make_member("elsewhere", "ca", "DNS:elsewhere.example");
  }

  /// A `[cluster.tls]` table presenting `member`'s certificate and
  /// trusting the cluster's CA, plus `lines`.
  std::string table(const std::string& member,
                    const std::string& lines = "") const {
    return "[cluster.tls]\ncertificate = \"" + pem(member)
           + "\"\nkey = \"" + key(member) + "\"\nca = \"" + pem("ca")
           + "\"\nhandshake_timeout = \"1s\"\n" + lines;
  }

  /// The same for a config built in code.
  cluster_tls_config config(const std::string& member) const {
    cluster_tls_config tls;
    tls.certificate = pem(member);
    tls.key = key(member);
    tls.ca = pem("ca");
    tls.handshake_timeout = 1s;
    return tls;
  }

  std::string pem(const std::string& name) const {
    return dir_ / (name + ".pem");
  }

  std::string key(const std::string& name) const {
    return dir_ / (name + ".key");
  }

private:
  void make_ca(const std::string& name) {
    make_certs({"ca", dir_.path(), name});
  }

  void make_member(const std::string& name, const std::string& ca,
                   const std::string& names) {
    make_certs({"member", dir_.path(), name, ca, names});
  }

  temp_dir dir_;
};

/// A host in this process reaching "far" at `port` over mutual TLS as
/// `member`.
std::unique_ptr<host> start_tls_client(const temp_dir& tmp, int port,
                                       const certificates& certs,
                                       const std::string& member,
                                       std::vector<remote_pool_config> more
                                       = {}) {
  auto cfg = client_config(tmp, port, std::move(more));
  cfg.cluster.tls = certs.config(member);
  return start_client(std::move(cfg));
}

/// True when the server closes `fd` within `within` (reads 0 bytes or an
/// error); false when it is still open.
bool closed_by_server(int fd, std::chrono::milliseconds within) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(within.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((within.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0)
      continue; // a TLS alert, say
    if (n == 0)
      return true;
    return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

} // namespace

TEST_CASE("cluster tls: members of the cluster CA call each other, a plain "
          "peer is refused",
          "[integration][cluster][tls]") {
  temp_dir tmp;
  certificates certs;
  child_process server{{cli_path(), "run", "-c",
                        serving_config(tmp, 0, 2, certs.table("node-a"))}};
  auto port = start_server(server);
  CHECK_THAT(server.err(), Catch::Contains("mutual TLS"));
  // The same port reached without TLS: CAF's plain protocol is refused.
  remote_pool_config plain;
  plain.name = "plain";
  plain.node = "127.0.0.1:" + std::to_string(port);
  plain.tls = false;
  plain.connect_timeout = 2s;
  plain.reconnect_backoff_max = 1s;
  auto client = start_tls_client(tmp, port, certs, "node-b", {plain});

  auto ready = client->await_ready();
  REQUIRE(ready.size() == 2);
  INFO(ready[0].failed.message);
  CHECK(ready[0].failed.code == error_code::none);
  CHECK(ready[0].ready == 2);
  CHECK(ready[1].failed.code == error_code::node_down);
  auto sum = client->client().execute("far", "add", R"({"a": 20, "b": 22})");
  REQUIRE(sum);
  CHECK(sum->result_json == "42");
  // A larger payload crosses both fronts intact.
  std::string text(200000, 'x');
  auto echoed = client->client().execute(
    "far", "echo", R"({"text": ")" + text + R"("})");
  REQUIRE(echoed);
  CHECK_THAT(echoed->result_json, Catch::Contains(text));
  auto refused = client->client().execute("plain", "ping", "{}");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == error_code::node_down);
  CHECK(server.wait_for_stderr("refused a peer: TLS handshake failed",
                               patience));
  // The CLI reads the other host's pools over the same mutual TLS.
  auto client_toml = tmp / "client.toml";
  write_file(client_toml, certs.table("node-b"));
  auto node = "127.0.0.1:" + std::to_string(port);
  auto inspected = run_command(
    {cli_path(), "inspect", "-c", client_toml, "--node", node});
  INFO(inspected.err);
  CHECK(inspected.exit_code == 0);
  CHECK_THAT(inspected.out, Catch::Contains("default"));
  auto without_tls = run_command({cli_path(), "inspect", "--node", node});
  CHECK(without_tls.exit_code == 1);
  client.reset();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("cluster tls: a certificate of another CA, or naming another "
          "host, is refused",
          "[integration][cluster][tls]") {
  temp_dir tmp;
  certificates certs;
  SECTION("the client's certificate is from a rogue CA") {
    child_process server{{cli_path(), "run", "-c",
                          serving_config(tmp, 0, 1, certs.table("node-a"))}};
    auto port = start_server(server);
    auto client = start_tls_client(tmp, port, certs, "rogue");
    auto ready = client->await_ready();
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].failed.code == error_code::node_down);
    auto call = client->client().execute("far", "ping", "{}");
    REQUIRE_FALSE(call);
    CHECK(call.error().code == error_code::node_down);
    INFO(server.err());
    CHECK(server.wait_for_stderr("certificate verify failed", patience));
  }
  SECTION("the server's certificate names another host") {
    child_process server{{cli_path(), "run", "-c",
                          serving_config(tmp, 0, 1,
                                         certs.table("elsewhere"))}};
    auto port = start_server(server);
    auto client = start_tls_client(tmp, port, certs, "node-b");
    auto ready = client->await_ready();
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].failed.code == error_code::node_down);
    // The client says why: the certificate check failed.
    CHECK_THAT(ready[0].failed.message,
               Catch::Contains("mutual TLS: TLS handshake failed"));
    CHECK_THAT(ready[0].failed.message,
               Catch::Contains("certificate verify failed"));
  }
}

TEST_CASE("cluster tls: peers that stall, send garbage, have no certificate "
          "or announce huge messages are dropped, and the host serves on",
          "[integration][cluster][tls]") {
  temp_dir tmp;
  certificates certs;
  child_process server{{cli_path(), "run", "-c",
                        serving_config(tmp, 0, 2,
                                       certs.table("node-a",
                                                   "max_message_mb = 1\n"
                                                   "max_connections = 24\n"))}};
  auto port = start_server(server);
  auto client = start_tls_client(tmp, port, certs, "node-b");
  REQUIRE(client->await_ready().front().ready == 2);

  // Stalled: connected, never a byte; closed at the handshake timeout (1s).
  std::vector<int> stalled;
  for (int i = 0; i < 20; ++i)
    stalled.push_back(connect_raw(port));
  auto cpu_before = proc_cpu_ticks(server.pid());
  // Garbage where the TLS handshake belongs.
  auto junk_fd = connect_raw(port);
  std::string junk(4096, 'G');
  CHECK(::send(junk_fd, junk.data(), junk.size(), MSG_NOSIGNAL) > 0);
  CHECK(closed_by_server(junk_fd, 5s));
  ::close(junk_fd);
  // More connections than max_connections: the extra ones close at once.
  std::vector<int> extra;
  for (int i = 0; i < 6; ++i)
    extra.push_back(connect_raw(port));
  CHECK(server.wait_for_stderr("max_connections (24) are open", patience));
  for (int fd : stalled) {
    CHECK(closed_by_server(fd, 5s));
    ::close(fd);
  }
  for (int fd : extra)
    ::close(fd);
  auto cpu_after = proc_cpu_ticks(server.pid());
  REQUIRE(cpu_before);
  REQUIRE(cpu_after);
  // libcaf_openssl would spin a core on each stalled peer (about 100 ticks
  // a second); the front does not.
  CHECK(*cpu_after - *cpu_before < 50);
  CHECK(server.wait_for_stderr("did not finish connecting within "
                               "handshake_timeout",
                               patience));

  // No certificate: TLS works, the member check refuses it.
  auto no_cert = run_command({openssl, "s_client", "-connect",
                              "127.0.0.1:" + std::to_string(port), "-CAfile",
                              certs.pem("ca")},
                             10s);
  CHECK(server.wait_for_stderr("peer did not return a certificate",
                               patience));
  (void)no_cert;

  // A member announcing a 2 MiB message, above max_message_mb = 1.
  auto header = tmp / "header.bin";
  std::string bytes(32, '\0');
  bytes[5] = '\x20'; // payload length 0x00200000
  write_file(header, bytes);
  auto big = run_command({"/bin/sh", "-c",
                          openssl + " s_client -quiet -connect 127.0.0.1:"
                            + std::to_string(port) + " -cert "
                            + certs.pem("node-b") + " -key "
                            + certs.key("node-b") + " -CAfile "
                            + certs.pem("ca") + " < " + header},
                         10s);
  INFO(big.err);
  CHECK(server.wait_for_stderr("announced a message of 2097152 bytes",
                               patience));

  // Through all of it, the member's calls are served.
  for (int i = 0; i < 10; ++i) {
    auto r = client->client().execute("far", "add", R"({"a": 1, "b": 1})");
    REQUIRE(r);
    CHECK(r->result_json == "2");
  }
  client.reset();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("cluster tls: unusable certificate files are refused at start, "
          "naming the key",
          "[integration][cluster][tls]") {
  temp_dir tmp;
  certificates certs;
  auto path = tmp / "bad.toml";
  // The key of another certificate.
  write_file(path, "run_dir = \"" + (tmp / "run") + "\"\n[cluster]\n"
                     "listen = \"127.0.0.1:0\"\n[cluster.tls]\n"
                     "certificate = \"" + certs.pem("node-a") + "\"\n"
                     "key = \"" + certs.key("node-b") + "\"\n"
                     "ca = \"" + certs.pem("ca") + "\"\n");
  auto r = run_command({cli_path(), "run", "-c", path});
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("cluster.tls.key"));
  // Not PEM at all.
  write_file(path, "run_dir = \"" + (tmp / "run") + "\"\n[cluster]\n"
                     "listen = \"127.0.0.1:0\"\n[cluster.tls]\n"
                     "certificate = \"" + path + "\"\n"
                     "key = \"" + certs.key("node-a") + "\"\n"
                     "ca = \"" + certs.pem("ca") + "\"\n");
  r = run_command({cli_path(), "run", "-c", path});
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("cluster.tls.certificate"));
}
