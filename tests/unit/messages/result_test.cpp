#include <snakepit/requests.hpp>
#include <snakepit/result.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace snakepit;

namespace {

failure python_failure() {
  failure f = make_failure(error_code::python_error, "division by zero");
  f.python_type = "ZeroDivisionError";
  f.traceback = "Traceback (most recent call last): ...";
  f.worker = "default/w2";
  f.queue_us = 12;
  f.run_us = 345;
  return f;
}

/// Serializes `x` with CAF's binary format and reads it back.
execute_reply round_trip(execute_reply x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE_FALSE(sink(x));
  execute_reply out = make_failure(error_code::internal, "not read");
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE_FALSE(source(out));
  return out;
}

} // namespace

TEST_CASE("result: a value", "[result]") {
  result<int> r = 42;
  CHECK(r.ok());
  CHECK(static_cast<bool>(r));
  CHECK(*r == 42);
  CHECK(r.value() == 42);
  CHECK(r.code() == error_code::none);
  CHECK(describe(r) == "ok");
  *r = 7;
  CHECK(r.value() == 7);
}

TEST_CASE("result: a failure keeps code, message, type and traceback",
          "[result]") {
  result<std::string> r = python_failure();
  CHECK_FALSE(r.ok());
  CHECK_FALSE(static_cast<bool>(r));
  CHECK(r.code() == error_code::python_error);
  CHECK(r.error().message == "division by zero");
  CHECK(r.error().python_type == "ZeroDivisionError");
  CHECK(r.error().traceback == "Traceback (most recent call last): ...");
  CHECK(describe(r) == describe(r.error()));
}

TEST_CASE("result: value() of a failure throws it as bad_result_access",
          "[result]") {
  const result<int> r = make_failure(error_code::pool_not_found, "no pool");
  try {
    (void) r.value();
    FAIL("value() did not throw");
  } catch (const bad_result_access& e) {
    CHECK(e.error().code == error_code::pool_not_found);
    CHECK(e.error().message == "no pool");
    CHECK(std::string{e.what()} == describe(e.error()));
  }
}

TEST_CASE("result: move-only values move in and out", "[result]") {
  result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  REQUIRE(r.ok());
  CHECK(**r == 5);
  auto owned = std::move(r).value();
  REQUIRE(owned != nullptr);
  CHECK(*owned == 5);
  result<std::unique_ptr<int>> failed
    = make_failure(error_code::internal, "fork failed");
  CHECK(std::move(failed).error().message == "fork failed");
}

TEST_CASE("result<void>: success or failure", "[result]") {
  result<void> fine;
  CHECK(fine.ok());
  CHECK(fine.code() == error_code::none);
  CHECK_NOTHROW(fine.value());
  result<void> bad = make_failure(error_code::invalid_arguments, "size: 0");
  CHECK_FALSE(bad);
  CHECK(bad.code() == error_code::invalid_arguments);
  CHECK(bad.error().message == "size: 0");
  CHECK_THROWS_AS(bad.value(), bad_result_access);
}

TEST_CASE("result: an execute_reply survives CAF serialization",
          "[result]") {
  execute_reply ok = execute_output{"3", "default/w1", 10, 250};
  auto back = round_trip(ok);
  REQUIRE(back.ok());
  CHECK(back->result_json == "3");
  CHECK(back->worker == "default/w1");
  CHECK(back->queue_us == 10);
  CHECK(back->run_us == 250);

  auto failed = round_trip(python_failure());
  REQUIRE_FALSE(failed.ok());
  const auto& f = failed.error();
  CHECK(f.code == error_code::python_error);
  CHECK(f.message == "division by zero");
  CHECK(f.python_type == "ZeroDivisionError");
  CHECK(f.traceback == "Traceback (most recent call last): ...");
  CHECK(f.worker == "default/w2");
  CHECK(f.queue_us == 12);
  CHECK(f.run_us == 345);
}

TEST_CASE("result: CAF prints the side it holds", "[result]") {
  execute_reply ok = execute_output{"\"pong\"", "p/w1", 0, 1};
  auto text = caf::deep_to_string(ok);
  CHECK_THAT(text, Catch::Contains("pong") && Catch::Contains("p/w1"));
  execute_reply failed = python_failure();
  CHECK_THAT(caf::deep_to_string(failed),
             Catch::Contains("division by zero")
               && !Catch::Contains("pong"));
}
