// A worker's gRPC replies as the host understands them.

#include <catch2/catch.hpp>

#include "bridge.pb.h"
#include "bridge/worker_replies.hpp"

using namespace snakepit;
using namespace snakepit::bridge;

TEST_CASE("a successful reply carries the result's JSON bytes",
          "[worker_replies]") {
  ExecuteToolResponse resp;
  resp.set_success(true);
  resp.mutable_result()->set_value(R"({"sum":3})");
  resp.set_execution_time_us(120);
  auto out = from_execute_response(resp);
  CHECK(out.error.code == error_code::none);
  CHECK(out.result_json == R"({"sum":3})");
  CHECK(out.python_us == 120);
  CHECK_FALSE(out.binary);
  resp.mutable_result()->clear_value();
  CHECK(from_execute_response(resp).result_json == "null");
}

TEST_CASE("a successful reply without a result is a binary one",
          "[worker_replies]") {
  ExecuteToolResponse resp;
  resp.set_success(true);
  resp.set_binary_result(std::string{"\0\xff\x01", 3});
  auto out = from_execute_response(resp);
  CHECK(out.error.code == error_code::none);
  CHECK(out.binary);
  CHECK(out.result_json == "null");
  CHECK(out.binary_result == std::string{"\0\xff\x01", 3});
  resp.clear_binary_result();
  auto empty = from_execute_response(resp);
  CHECK(empty.binary);
  CHECK(empty.binary_result.empty());
}

TEST_CASE("a failed reply carries the worker's category and exception",
          "[worker_replies]") {
  ExecuteToolResponse resp;
  auto* err = resp.mutable_error();
  err->set_category("unknown_command");
  err->set_type("KeyError");
  err->set_message("no tool 'x'");
  err->set_traceback("Traceback ...");
  auto out = from_execute_response(resp);
  CHECK(out.error.code == error_code::unknown_command);
  CHECK(out.error.message == "no tool 'x'");
  CHECK(out.error.python_type == "KeyError");
  CHECK(out.error.traceback == "Traceback ...");
  CHECK(out.result_json.empty());

  ExecuteToolResponse legacy;
  legacy.set_error_message("old style");
  auto old = from_execute_response(legacy);
  CHECK(old.error.code == error_code::python_error);
  CHECK(old.error.message == "old style");
}

// Found while writing fuzz_worker_replies: category "none" made a failed call look
// successful with an empty result; host-side codes were taken at the
// worker's word.
TEST_CASE("a failed reply never reads as success nor as a host error",
          "[worker_replies][fuzz]") {
  for (auto category : {"none", "", "bogus", "pool_failed", "shutting_down",
                        "worker_crashed", "internal"}) {
    INFO(category);
    ExecuteToolResponse resp;
    resp.mutable_error()->set_category(category);
    CHECK(from_execute_response(resp).error.code == error_code::python_error);
  }
}

TEST_CASE("describe keeps the call ids that are numbers",
          "[worker_replies]") {
  WorkerInfo info;
  info.set_busy_slots(2);
  for (auto id : {"17", "-1", "abc", "18446744073709551616", "", " 7", "18"})
    info.add_active_calls(id);
  auto out = from_worker_info(info);
  CHECK(out.error.empty());
  CHECK(out.busy_slots == 2);
  CHECK(out.active_calls == std::vector<uint64_t>{17, 18});
}
