#include "admin/admin_client.hpp"
#include "admin/admin_endpoint.hpp"
#include "admin/admin_protocol.hpp"
#include "admin/live_runs.hpp"
#include "process/orphans.hpp"
#include "process/run_directory.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace snakepit::admin;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace process = snakepit::process;

namespace {

/// Generous bound for anything a test waits for.
constexpr auto patience = 10s;

/// A private scratch directory (mode 0700), removed with its contents.
struct temp_dir {
  std::string path;
  temp_dir() {
    char name[] = "/tmp/sp-admin-XXXXXX";
    if (::mkdtemp(name) != nullptr)
      path = name;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::unique_ptr<admin_endpoint> start_ok(const std::string& path,
                                         admin_endpoint::handler h) {
  auto started = admin_endpoint::start(path, std::move(h));
  if (auto* error = std::get_if<std::string>(&started))
    FAIL(*error);
  return std::move(std::get<std::unique_ptr<admin_endpoint>>(started));
}

json call_ok(const std::string& path, const json& request) {
  auto reply = admin_call(path, request, patience);
  if (auto* error = std::get_if<std::string>(&reply))
    FAIL(*error);
  return std::get<json>(reply);
}

std::string call_error(const std::string& path, const json& request,
                       std::chrono::milliseconds timeout = patience) {
  auto reply = admin_call(path, request, timeout);
  auto* error = std::get_if<std::string>(&reply);
  REQUIRE(error != nullptr);
  return *error;
}

/// Echoes the request under "echo".
json echo(const json& request) {
  return ok_reply({{"echo", request}});
}

/// A bare connection for sending arbitrary bytes and reading reply lines.
class line_client {
public:
  explicit line_client(const std::string& path)
    : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    timeval bound{std::chrono::seconds{patience}.count(), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof(bound));
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0);
  }

  line_client(const line_client&) = delete;
  line_client& operator=(const line_client&) = delete;

  ~line_client() {
    ::close(fd_);
  }

  /// Sends `bytes`, stopping early if the server closes the connection.
  void send(const std::string& bytes) {
    for (std::size_t sent = 0; sent < bytes.size();) {
      auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent,
                      MSG_NOSIGNAL);
      if (n <= 0)
        return;
      sent += static_cast<std::size_t>(n);
    }
  }

  /// The next line without its newline; nullopt when the connection ends
  /// or `patience` passes first.
  std::optional<std::string> read_line() {
    auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        auto line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      pollfd pfd{fd_, POLLIN, 0};
      if (left.count() <= 0
          || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
        return std::nullopt;
      char chunk[4096];
      auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0)
        return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  /// The next line as a reply object.
  json read_reply() {
    auto line = read_line();
    REQUIRE(line.has_value());
    auto reply = parse_reply(*line);
    REQUIRE(std::holds_alternative<json>(reply));
    return std::get<json>(reply);
  }

private:
  int fd_;
  std::string buffer_;
};

/// Leaves a socket file at `path` that nobody listens on, as a host
/// killed with SIGKILL does.
void make_stale_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  ::close(fd);
}

mode_t mode_of(const std::string& path) {
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode;
}

} // namespace

TEST_CASE("a request and its reply round-trip through the socket",
          "[admin]") {
  temp_dir tmp;
  auto path = tmp.path + "/admin.sock";
  auto endpoint = start_ok(path, [](const json& request) {
    return ok_reply({{"pool", request.at("pool")}, {"recycled", 3}});
  });
  CHECK(endpoint->socket_path() == path);
  auto reply = call_ok(path, {{"op", "recycle"}, {"pool", "default"}});
  CHECK(reply == json{{"ok", true}, {"pool", "default"}, {"recycled", 3}});
}

TEST_CASE("requests on one connection are answered in order", "[admin]") {
  temp_dir tmp;
  auto endpoint = start_ok(tmp.path + "/admin.sock", echo);
  line_client client{endpoint->socket_path()};
  client.send("{\"op\":\"a\"}\n{\"op\":\"b\"}\n");
  CHECK(client.read_reply()["echo"]["op"] == "a");
  CHECK(client.read_reply()["echo"]["op"] == "b");
}

TEST_CASE("malformed requests get error replies on a usable connection",
          "[admin]") {
  temp_dir tmp;
  std::atomic<int> calls{0};
  auto endpoint = start_ok(tmp.path + "/admin.sock", [&](const json& r) {
    ++calls;
    return echo(r);
  });
  line_client client{endpoint->socket_path()};
  auto error_for = [&](const std::string& line) {
    client.send(line + "\n");
    auto reply = client.read_reply();
    CHECK(reply["ok"] == false);
    return reply["error"].get<std::string>();
  };
  CHECK_THAT(error_for("{\"op\": "), Catch::Contains("malformed JSON"));
  CHECK_THAT(error_for(""), Catch::Contains("malformed JSON"));
  CHECK(error_for("[1, 2]") == "request must be a JSON object, not array");
  CHECK(error_for("{\"pool\":\"p\"}") == "request has no \"op\" field");
  CHECK(error_for("{\"op\":7}")
        == "\"op\" in request must be a string, not number");
  CHECK(calls == 0);
  client.send("{\"op\":\"status\"}\n");
  CHECK(client.read_reply() == ok_reply({{"echo", {{"op", "status"}}}}));
  CHECK(calls == 1);
}

TEST_CASE("a throwing handler gets an error reply with its text",
          "[admin]") {
  temp_dir tmp;
  auto endpoint = start_ok(tmp.path + "/admin.sock", [](const json&) -> json {
    throw std::runtime_error("no pool named 'p'");
  });
  auto reply = call_ok(endpoint->socket_path(), {{"op", "recycle"}});
  CHECK(reply == error_reply("op \"recycle\" failed: no pool named 'p'"));
  // The endpoint still serves.
  CHECK(call_ok(endpoint->socket_path(), {{"op", "x"}})["ok"] == false);
}

TEST_CASE("a handler's reply without a boolean ok becomes an error reply",
          "[admin]") {
  auto line = answer("{\"op\":\"status\"}", [](const json&) {
    return json{{"pools", 2}};
  });
  CHECK(json::parse(line)
        == error_reply("internal error: the reply to op \"status\" has no "
                       "boolean \"ok\""));
  CHECK(line.back() == '\n');
}

TEST_CASE("an oversized request line is refused, then the connection closed",
          "[admin]") {
  temp_dir tmp;
  std::atomic<int> calls{0};
  auto endpoint = start_ok(tmp.path + "/admin.sock", [&](const json& r) {
    ++calls;
    return r["op"] == "echo" ? echo(r) : ok_reply();
  });
  line_client client{endpoint->socket_path()};
  client.send(std::string(max_line_bytes + 10, 'x') + "\n");
  auto reply = client.read_reply();
  CHECK(reply["ok"] == false);
  CHECK_THAT(reply["error"].get<std::string>(),
             Catch::Contains("exceeds 1048576 bytes"));
  CHECK_FALSE(client.read_line().has_value());
  CHECK(calls == 0);
  // The client refuses to send one in the first place.
  json big{{"op", "x"}, {"data", std::string(max_line_bytes, 'y')}};
  CHECK_THAT(call_error(endpoint->socket_path(), big),
             Catch::Contains("exceeds 1048576 bytes"));
  // A line of exactly the limit is still read; echoing it back would make
  // an oversized reply, which is replaced by an error reply.
  auto fits = [](const std::string& op) {
    auto line = "{\"op\":\"" + op + "\",\"d\":\"\"}";
    line.insert(line.size() - 2, max_line_bytes - line.size(), 'z');
    return line + "\n";
  };
  line_client other{endpoint->socket_path()};
  other.send(fits("x"));
  CHECK(other.read_reply() == ok_reply());
  other.send(fits("echo"));
  CHECK_THAT(other.read_reply()["error"].get<std::string>(),
             Catch::Contains("the reply to op \"echo\" is")
               && Catch::Contains("over the limit of 1048576"));
  CHECK(calls == 2);
}

TEST_CASE("two clients are served while both connections are open",
          "[admin]") {
  temp_dir tmp;
  auto endpoint = start_ok(tmp.path + "/admin.sock", echo);
  // A connection that sent half a line does not hold up the other one.
  line_client first{endpoint->socket_path()};
  line_client second{endpoint->socket_path()};
  first.send("{\"op\":\"fir");
  second.send("{\"op\":\"second\"}\n");
  CHECK(second.read_reply()["echo"]["op"] == "second");
  first.send("st\"}\n");
  CHECK(first.read_reply()["echo"]["op"] == "first");
  // Concurrent calls from two threads.
  auto calls = [&](std::string name, int& ok) {
    for (int i = 0; i < 20; ++i)
      if (call_ok(endpoint->socket_path(), {{"op", name}, {"i", i}})["echo"]
          == json{{"op", name}, {"i", i}})
        ++ok;
  };
  int ok_a = 0;
  int ok_b = 0;
  std::thread a{calls, "a", std::ref(ok_a)};
  std::thread b{calls, "b", std::ref(ok_b)};
  a.join();
  b.join();
  CHECK(ok_a == 20);
  CHECK(ok_b == 20);
}

TEST_CASE("a client gives up on a host that never answers", "[admin]") {
  temp_dir tmp;
  auto endpoint = start_ok(tmp.path + "/admin.sock", [](const json& r) {
    std::this_thread::sleep_for(1s);
    return echo(r);
  });
  auto before = std::chrono::steady_clock::now();
  auto error = call_error(endpoint->socket_path(), {{"op", "slow"}}, 50ms);
  auto waited = std::chrono::steady_clock::now() - before;
  CHECK(error
        == "timed out after 50 ms waiting for the reply from "
             + endpoint->socket_path());
  CHECK(waited < 900ms);
  // Stopping waits for the sleeping handler, then returns.
  endpoint->stop();
  CHECK_FALSE(fs::exists(tmp.path + "/admin.sock"));
}

TEST_CASE("a client names the socket when nothing listens", "[admin]") {
  temp_dir tmp;
  auto path = tmp.path + "/admin.sock";
  CHECK(call_error(path, {{"op", "x"}})
        == "no snakepit host is listening on " + path + " (no such socket)");
  make_stale_socket(path);
  CHECK(call_error(path, {{"op", "x"}})
        == "no snakepit host is listening on " + path
             + " (connection refused)");
  // A new endpoint replaces the stale socket.
  auto endpoint = start_ok(path, echo);
  CHECK(call_ok(path, {{"op", "x"}})["ok"] == true);
}

TEST_CASE("the socket is private and removed on stop", "[admin]") {
  temp_dir tmp;
  auto path = tmp.path + "/admin.sock";
  auto endpoint = start_ok(path, echo);
  auto mode = mode_of(path);
  CHECK(S_ISSOCK(mode));
  CHECK((mode & 07777) == 0600);
  line_client idle{path};
  endpoint->stop();
  CHECK_FALSE(fs::exists(path));
  CHECK_FALSE(idle.read_line().has_value());
  endpoint->stop();
}

TEST_CASE("an endpoint refuses to replace a file that is not a socket",
          "[admin]") {
  temp_dir tmp;
  auto path = tmp.path + "/admin.sock";
  std::ofstream{path} << "data";
  auto started = admin_endpoint::start(path, echo);
  auto* error = std::get_if<std::string>(&started);
  REQUIRE(error != nullptr);
  CHECK(*error
        == "admin endpoint: refusing to replace '" + path
             + "': it is not a socket");
  CHECK(fs::file_size(path) == 4);
}

TEST_CASE("find_live_runs lists live runs with an admin socket", "[admin]") {
  temp_dir tmp;
  auto created = process::run_directory::create(tmp.path);
  REQUIRE(std::holds_alternative<process::run_directory>(created));
  auto& live = std::get<process::run_directory>(created);
  auto endpoint = start_ok(admin_socket_path(live.path()), echo);
  // A live run without an admin socket.
  auto quiet = process::run_directory::create(tmp.path);
  REQUIRE(std::holds_alternative<process::run_directory>(quiet));
  // A dead run: its lock file is free, its socket stale.
  auto dead = tmp.path + "/0123456789ab";
  REQUIRE(::mkdir(dead.c_str(), 0700) == 0);
  std::ofstream{dead + "/" + process::host_lock_name};
  make_stale_socket(admin_socket_path(dead));

  auto runs = find_live_runs(tmp.path);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].run_id == live.run_id());
  CHECK(runs[0].path == live.path());
  CHECK(runs[0].admin_socket == live.path() + "/admin.sock");
  CHECK(call_ok(runs[0].admin_socket, {{"op", "x"}})["ok"] == true);
  // Looking took no lock for good, and left the dead run in place.
  CHECK(process::run_is_live(live.path()));
  CHECK_FALSE(process::run_is_live(dead));
  CHECK(fs::exists(dead));

  endpoint->stop();
  CHECK(find_live_runs(tmp.path).empty());
  CHECK(find_live_runs(tmp.path + "/missing").empty());
}
