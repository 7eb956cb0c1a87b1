#include "process/fork_protocol.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <variant>

#include <sys/socket.h>
#include <unistd.h>

using namespace snakepit::process::fork_protocol;

namespace {

template <class T>
T expect(const server_packet& packet) {
  REQUIRE(std::holds_alternative<T>(packet));
  return std::get<T>(packet);
}

std::string reason_of(std::string_view text) {
  return expect<bad_packet>(parse(text)).reason;
}

} // namespace

TEST_CASE("fork protocol: the server's packets are read", "[fork_protocol]") {
  auto ready = expect<server_ready>(
    parse(R"({"op":"ready","pid":42,"preloaded":true})"));
  CHECK(ready.pid == 42);
  CHECK(ready.preloaded);
  CHECK_FALSE(expect<server_ready>(parse(R"({"op":"ready","pid":7})"))
                .preloaded);
  auto started = expect<fork_started>(
    parse(R"({"op": "started", "id": 9, "pid": 1234})"));
  CHECK(started.id == 9);
  CHECK(started.pid == 1234);
  auto refused = expect<fork_refused>(
    parse(R"({"op":"refused","id":-1,"error":"bad JSON"})"));
  CHECK(refused.id == -1);
  CHECK(refused.error == "bad JSON");
  auto exited = expect<worker_exited>(
    parse(R"({"op":"exited","pid":77,"status":256})"));
  CHECK(exited.pid == 77);
  CHECK(exited.status == 256);
}

TEST_CASE("fork protocol: anything else is a bad packet, never a crash",
          "[fork_protocol]") {
  CHECK(reason_of("").find("unexpected end of input") != std::string::npos);
  CHECK_FALSE(reason_of("{\"op\":").empty());
  CHECK(reason_of("[1,2]") == "arrays");
  CHECK(reason_of(R"({"op":"ready","pid":1,"x":{"y":1}})")
        == "nested objects");
  CHECK(reason_of(R"({"op":"ready","pid":1,"x":[1]})") == "arrays");
  CHECK(reason_of(R"({"op":"ready","pid":1.5})") == "fractional numbers");
  CHECK(reason_of(R"({"op":"ready","pid":null})") == "null values");
  CHECK(reason_of("42") == "a value outside an object");
  CHECK(reason_of(R"({"pid":1})") == "no \"op\"");
  CHECK(reason_of(R"({"op":"started","pid":1})")
        == "a \"started\" packet without its fields");
  CHECK(reason_of(R"({"op":"ready","pid":0})")
        == "a \"ready\" packet without its fields");
  CHECK(reason_of(R"({"op":"ready","pid":99999999999})")
        == "a \"ready\" packet without its fields");
  CHECK(reason_of(R"({"op":"exited","pid":5,"status":70000})")
        == "a \"exited\" packet without its fields");
  CHECK(reason_of(R"({"op":"ready","pid":18446744073709551615})")
        == "a number out of range");
  // Deep nesting stops at the second bracket, whatever the depth.
  CHECK(reason_of(std::string(100000, '[')) == "arrays");
  std::string deep;
  for (int i = 0; i < 100000; ++i)
    deep += "{\"a\":";
  CHECK(reason_of(deep) == "nested objects");
  CHECK(reason_of(std::string(max_packet + 1, ' ')).find("over")
        != std::string::npos);
}

TEST_CASE("fork protocol: a fork request carries the command line and the "
          "environment",
          "[fork_protocol]") {
  auto packet = encode_fork(3, {"--adapter", "a.b.C", "--", "x\"y"},
                            {{"PYTHONPATH", "/p"}, {"W", "\xff"}});
  auto request = nlohmann::json::parse(packet);
  CHECK(request["op"] == "fork");
  CHECK(request["id"] == 3);
  CHECK(request["argv"]
        == nlohmann::json::array({"--adapter", "a.b.C", "--", "x\"y"}));
  CHECK(request["env"]["PYTHONPATH"] == "/p");
  // Invalid UTF-8 is replaced, never a throw.
  CHECK(request["env"]["W"] == "\xEF\xBF\xBD");
}

TEST_CASE("fork protocol: a request travels with its two descriptors",
          "[fork_protocol]") {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0);
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  CHECK(send_fork(pair[0], "{\"op\":\"fork\"}", pipe_fds[1], pipe_fds[1])
        == "");
  char data[64];
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))];
  iovec io{data, sizeof(data)};
  msghdr msg{};
  msg.msg_iov = &io;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  auto n = ::recvmsg(pair[1], &msg, 0);
  REQUIRE(n == 13);
  auto* header = CMSG_FIRSTHDR(&msg);
  REQUIRE(header != nullptr);
  CHECK(header->cmsg_type == SCM_RIGHTS);
  int fds[2];
  std::memcpy(fds, CMSG_DATA(header), sizeof(fds));
  // The received descriptor writes into the same pipe.
  CHECK(::write(fds[0], "x", 1) == 1);
  char got = 0;
  CHECK(::read(pipe_fds[0], &got, 1) == 1);
  CHECK(got == 'x');
  for (int fd : {fds[0], fds[1], pair[0]})
    ::close(fd);
  // The peer is gone: an error, no SIGPIPE.
  CHECK_FALSE(send_fork(pair[1], "{}", pipe_fds[1], pipe_fds[1]).empty());
  for (int fd : {pipe_fds[0], pipe_fds[1], pair[1]})
    ::close(fd);
}
