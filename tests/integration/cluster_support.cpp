#include "cluster_support.hpp"

#include <regex>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace snakepit::it {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

} // namespace

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  auto addr = loopback(0);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

int connect_raw(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  auto addr = loopback(port);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr)
          == 0);
  return fd;
}

std::string serving_config(const temp_dir& tmp, int port, int size,
                           const std::string& extra) {
  auto path = tmp / ("server-" + std::to_string(port) + ".toml");
  write_file(path, "run_dir = \"" + (tmp / "run") + "\"\n"
                     "log_level = \"info\"\n"
                     "[[pools]]\n"
                     "name = \"default\"\n"
                     "size = " + std::to_string(size) + "\n"
                     "startup_timeout = \"10s\"\n"
                     "shutdown_timeout = \"2s\"\n"
                     "[cluster]\n"
                     "listen = \"127.0.0.1:" + std::to_string(port) + "\"\n"
                     "heartbeat = \"200ms\"\n"
                     "node_timeout = \"1s\"\n" + extra);
  return path;
}

int start_server(child_process& server) {
  INFO("server stderr:\n" << server.err());
  REQUIRE(server.wait_for_stderr("serving 1 pool(s)", patience));
  std::smatch m;
  static const std::regex port_line{"to other hosts on port ([0-9]+)"};
  auto err = server.err();
  REQUIRE(std::regex_search(err, m, port_line));
  return std::stoi(m[1]);
}

std::unique_ptr<child_process> serve_on_port(const std::string& config,
                                             int port) {
  auto server = std::make_unique<child_process>(
    std::vector<std::string>{cli_path(), "run", "-c", config});
  REQUIRE(start_server(*server) == port);
  return server;
}

host_config client_config(const temp_dir& tmp, int port,
                          std::vector<remote_pool_config> more) {
  host_config cfg;
  cfg.run_dir = tmp / "client-run";
  cfg.log_level = "warn";
  cfg.cluster.heartbeat = 200ms;
  cfg.cluster.node_timeout = 1s;
  remote_pool_config far;
  far.name = "far";
  far.node = "127.0.0.1:" + std::to_string(port);
  far.connect_timeout = 2s;
  far.reconnect_backoff = 50ms;
  far.reconnect_backoff_max = 200ms;
  far.reply_timeout = 20s;
  cfg.remote_pools.push_back(far);
  for (auto& r : more)
    cfg.remote_pools.push_back(std::move(r));
  return cfg;
}

std::unique_ptr<host> start_client(host_config cfg) {
  host_options opts;
  opts.serving = false;
  auto started = host::start(std::move(cfg), opts);
  INFO((started ? "" : started.error().message));
  REQUIRE(started);
  return std::move(*started);
}

void await_connected(host& h, const std::string& pool) {
  using namespace std::chrono_literals;
  REQUIRE(eventually([&] {
    auto s = h.client().status(pool);
    return s && s->failed.code == error_code::none;
  }, patience, 100ms));
}

host_config group_config(const temp_dir& tmp, int port, int near_size,
                         group_strategy strategy) {
  using namespace std::chrono_literals;
  auto cfg = client_config(tmp, port);
  pool_config near;
  near.name = "near";
  near.size = near_size;
  near.startup_timeout = 10s;
  near.shutdown_timeout = 2s;
  cfg.pools.push_back(near);
  pool_group_config both;
  both.name = "both";
  both.members = {"near", "far"};
  both.strategy = strategy;
  both.status_interval = 100ms;
  cfg.pool_groups.push_back(both);
  return cfg;
}

void check_binary_stream_and_cancel(host& h, const std::string& pool) {
  execute_request req;
  req.pool = pool;
  req.command = "count_bytes";
  req.args_json = R"({"n": 3, "size": 1000})";
  auto bytes = h.client().stream(req);
  for (int i = 0; i < 3; ++i) {
    auto chunk = bytes.next();
    REQUIRE(chunk);
    CHECK(chunk->binary);
    CHECK(chunk->data.size() == 1000);
  }
  CHECK_FALSE(bytes.next());
  CHECK(bytes.outcome().ok());
  req.command = "count";
  req.args_json = R"({"n": 1000000, "ms": 5})";
  auto endless = h.client().stream(req);
  REQUIRE(endless.next());
  endless.cancel();
  while (endless.next()) {
  }
  REQUIRE_FALSE(endless.outcome());
  CHECK(endless.outcome().error().code == error_code::cancelled);
}

execute_reply session_add(host& h, const std::string& pool,
                          const std::string& session) {
  execute_request req;
  req.pool = pool;
  req.command = "session_add";
  req.args_json = R"({"amount": 1})";
  req.session_id = session;
  return h.client().execute(req);
}

int total_of(const execute_reply& reply) {
  INFO(describe(reply));
  REQUIRE(reply.ok());
  return nlohmann::json::parse(reply->result_json).at("total").get<int>();
}

void check_no_local_workers() {
  using namespace std::chrono_literals;
  CHECK(eventually([] { return python_workers_of(::getpid()).empty(); },
                   5000ms));
}

} // namespace snakepit::it
