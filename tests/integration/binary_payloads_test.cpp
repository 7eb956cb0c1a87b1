// Binary arguments and results (`execute_request::binary_args`,
// `execute_output::binary_result`), on both transports (ctest runs this
// suite once per transport): every byte value survives both ways, large
// payloads pass, and bad requests are refused before they reach a worker.

#include <catch2/catch.hpp>

#include "calls.hpp"
#include "host_fixture.hpp"
#include "support.hpp"

using namespace snakepit;
using namespace snakepit::it;

namespace {

/// All 256 byte values, `repeat` times over.
bytes every_byte(std::size_t repeat = 1) {
  bytes out;
  out.reserve(256 * repeat);
  for (std::size_t i = 0; i < 256 * repeat; ++i)
    out.push_back(static_cast<std::byte>(i % 256));
  return out;
}

/// A call of the showcase's `xor_bytes` on `data` with `key`.
execute_request xor_request(const host_fixture& host, bytes data, int key) {
  execute_request req;
  req.pool = host.config().pools.front().name;
  req.command = "xor_bytes";
  req.args_json = "{\"key\": " + std::to_string(key) + "}";
  req.binary_args["data"] = std::move(data);
  return req;
}

/// `data` with each byte XORed with `key`.
bytes xored(bytes data, int key) {
  for (auto& b : data)
    b ^= static_cast<std::byte>(key);
  return data;
}

} // namespace

TEST_CASE("binary payloads: every byte value goes in and out raw",
          "[integration][binary]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());
  auto data = every_byte(4);
  auto reply = host.client().execute(xor_request(host, data, 0x5a));
  INFO(describe(reply));
  REQUIRE(reply.ok());
  CHECK(reply->binary);
  CHECK(reply->result_json == "null");
  CHECK(reply->binary_result == xored(data, 0x5a));
  // An empty binary result is a binary result, not a JSON null.
  auto empty = host.client().execute(xor_request(host, {}, 1));
  INFO(describe(empty));
  REQUIRE(empty.ok());
  CHECK(empty->binary);
  CHECK(empty->binary_result.empty());
  // A JSON result is not binary.
  auto pong = host.exec("ping");
  REQUIRE(pong.ok());
  CHECK_FALSE(pong->binary);
  CHECK(pong->binary_result.empty());
}

TEST_CASE("binary payloads: 8 MB in and out", "[integration][binary]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());
  auto data = every_byte(8 << 12); // 8 MiB
  auto reply = host.client().execute(xor_request(host, data, 0xff));
  INFO(describe(reply));
  REQUIRE(reply.ok());
  REQUIRE(reply->binary_result.size() == data.size());
  CHECK(reply->binary_result == xored(data, 0xff));
}

TEST_CASE("binary payloads: bad requests are invalid_arguments",
          "[integration][binary]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools.front().max_request_bytes = 64 * 1024;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());

  SECTION("a name given both as JSON and as bytes") {
    auto req = xor_request(host, every_byte(), 1);
    req.args_json = R"({"data": 1})";
    auto reply = host.client().execute(req);
    REQUIRE(reply.code() == error_code::invalid_arguments);
    CHECK(contains(reply.error().message,
                   "\"data\" is given both in args_json and in binary_args"));
    CHECK(reply.error().worker.empty()); // refused before any worker
  }
  SECTION("an empty name") {
    auto req = xor_request(host, every_byte(), 1);
    req.binary_args[""] = every_byte();
    auto reply = host.client().execute(req);
    REQUIRE(reply.code() == error_code::invalid_arguments);
    CHECK(contains(reply.error().message, "binary argument name"));
  }
  SECTION("more bytes than max_request_bytes") {
    auto reply = host.client().execute(
      xor_request(host, bytes(100 * 1024, std::byte{7}), 1));
    REQUIRE(reply.code() == error_code::invalid_arguments);
    CHECK(contains(reply.error().message, "102400 of binary ones"));
    CHECK(contains(reply.error().message, "max_request_bytes (65536)"));
  }
  SECTION("bytes where the tool wants JSON, or JSON where it wants bytes") {
    auto req = xor_request(host, every_byte(), 1);
    req.binary_args["key"] = every_byte();
    req.args_json = "{}";
    auto reply = host.client().execute(req);
    REQUIRE(reply.code() == error_code::python_error);
    CHECK(contains(reply.error().message, "key must be an integer"));
    auto as_json = host.exec("xor_bytes", R"({"data": "abc"})");
    REQUIRE(as_json.code() == error_code::python_error);
    CHECK(contains(as_json.error().message, "binary argument"));
  }
  // The worker serves on.
  CHECK(result_of(host.exec("ping")) == "pong");
}
