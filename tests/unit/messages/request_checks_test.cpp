// The checks a request passes before it reaches a worker: its text fields,
// the pool it names, and its arguments against the pool's limits.

#include <catch2/catch.hpp>

#include "actors/request_checks.hpp"
#include "bridge.pb.h"

using namespace snakepit;
using namespace snakepit::detail;

namespace {

execute_request make(std::string command, std::string args = "{}",
                     std::string pool = {}) {
  execute_request req;
  req.command = std::move(command);
  req.args_json = std::move(args);
  req.pool = std::move(pool);
  return req;
}

std::string refusal_of(const execute_request& req) {
  auto f = check_request_fields(req, "a");
  REQUIRE(f);
  CHECK(f->code == error_code::invalid_arguments);
  return f->message;
}

} // namespace

TEST_CASE("request fields are checked and named", "[request_checks]") {
  CHECK_FALSE(check_request_fields(make("add"), "a"));
  CHECK_FALSE(check_request_fields(make("add", "{}", "a"), "a"));
  CHECK_THAT(refusal_of(make("ad\xff")),
             Catch::StartsWith("command is not valid UTF-8"));
  CHECK_THAT(refusal_of(make("")), Catch::Equals("command must not be empty"));
  CHECK_THAT(refusal_of(make(std::string(1 << 20, 'c'))),
             Catch::StartsWith("command is 1048576 bytes long"));
  CHECK_THAT(refusal_of(make("add", "{}", "a\nb")),
             Catch::StartsWith("pool contains a control character"));
  auto req = make("add");
  req.session_id = "s\xc3";
  CHECK_THAT(refusal_of(req), Catch::StartsWith("session_id is not valid"));
  // A telemetry label never carries what was refused.
  CHECK(command_label("add") == "add");
  CHECK(command_label("ad\xff") == "(invalid)");
}

TEST_CASE("a request naming another pool is refused", "[request_checks]") {
  CHECK_THAT(refusal_of(make("add", "{}", "b")),
             Catch::Equals("request names pool b but was sent to pool a"));
}

TEST_CASE("arguments are checked against the pool's limits",
          "[request_checks]") {
  pool_config cfg;
  cfg.name = "a";
  cfg.max_json_depth = 3;
  cfg.max_request_bytes = 2048;
  auto ok = prepare_call(make("echo", R"({"x": [[1]]})"), cfg);
  REQUIRE(std::holds_alternative<std::string>(ok));
  bridge::ExecuteToolRequest wire;
  REQUIRE(wire.ParseFromString(std::get<std::string>(ok)));
  CHECK(wire.parameters().at("x").value() == "[[1]]");
  auto deep = prepare_call(make("echo", R"({"x": [[[1]]]})"), cfg);
  REQUIRE(std::holds_alternative<failure>(deep));
  CHECK(std::get<failure>(deep).code == error_code::invalid_arguments);
  CHECK_THAT(std::get<failure>(deep).message,
             Catch::Contains("deeper than 3 levels"));
  auto big = prepare_call(
    make("echo", "{\"x\": \"" + std::string(4096, 'x') + "\"}"), cfg);
  REQUIRE(std::holds_alternative<failure>(big));
  CHECK(std::get<failure>(big).code == error_code::invalid_arguments);
  CHECK_THAT(std::get<failure>(big).message,
             Catch::Contains("more than max_request_bytes (2048)")
               && Catch::Contains("4105 bytes of JSON arguments, 0 of binary ones"));
}

TEST_CASE("binary arguments are checked for names, clashes and size",
          "[request_checks]") {
  pool_config cfg;
  cfg.name = "a";
  cfg.max_request_bytes = 2048;
  auto req = make("xor_bytes", R"({"key": 1})");
  req.binary_args["data"] = bytes(100, std::byte{0});
  auto ok = prepare_call(req, cfg);
  REQUIRE(std::holds_alternative<std::string>(ok));
  bridge::ExecuteToolRequest wire;
  REQUIRE(wire.ParseFromString(std::get<std::string>(ok)));
  CHECK(wire.binary_parameters().at("data").size() == 100);

  auto refusal = [&](const execute_request& r) {
    auto out = prepare_call(r, cfg);
    REQUIRE(std::holds_alternative<failure>(out));
    CHECK(std::get<failure>(out).code == error_code::invalid_arguments);
    return std::get<failure>(out).message;
  };
  auto clash = req;
  clash.binary_args["key"] = {};
  CHECK_THAT(refusal(clash),
             Catch::Equals("argument \"key\" is given both in args_json and "
                           "in binary_args"));
  auto unnamed = req;
  unnamed.binary_args[""] = {};
  CHECK_THAT(refusal(unnamed),
             Catch::StartsWith("binary argument name must not be empty"));
  // Refused on the raw sizes alone, before anything is encoded.
  auto big = req;
  big.binary_args["data"] = bytes(4096, std::byte{1});
  CHECK_THAT(refusal(big),
             Catch::StartsWith("request is at least 4106 bytes encoded (10 "
                               "bytes of JSON arguments, 4096 of binary ones)")
               && Catch::Contains("max_request_bytes (2048)"));
}
