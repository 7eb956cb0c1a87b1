// Error values: names, rendering, and the round trip through caf::error
// that carries a failure (with its Python details) as an exit reason.

#include <catch2/catch.hpp>

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include <snakepit/errors.hpp>
#include <snakepit/failure.hpp>

using namespace snakepit;

TEST_CASE("every error code has a stable name that reads back",
          "[errors]") {
  for (auto code : {error_code::none, error_code::pool_saturated,
                    error_code::queue_timeout, error_code::request_timeout,
                    error_code::worker_crashed, error_code::python_error,
                    error_code::pool_not_found, error_code::unknown_command,
                    error_code::invalid_arguments, error_code::pool_failed,
                    error_code::shutting_down, error_code::internal,
                    error_code::cancelled}) {
    auto name = to_string(code);
    INFO(name);
    CHECK(name != "unknown");
    CHECK(error_code_from_string(name) == code);
  }
  CHECK(to_string(error_code::pool_saturated) == "pool_saturated");
  CHECK_FALSE(error_code_from_string("no_such_category"));
}

TEST_CASE("describe renders category, message, type and traceback",
          "[errors]") {
  auto f = make_failure(error_code::python_error, "boom");
  f.python_type = "RuntimeError";
  f.traceback
    = "Traceback (most recent call last):\n  ...\nRuntimeError: boom\n";
  auto text = describe(f);
  CHECK(text.rfind("python_error: boom (RuntimeError)\nTraceback", 0) == 0);
  CHECK(text.back() != '\n');
  CHECK(describe(make_failure(error_code::queue_timeout, "waited"))
        == "queue_timeout: waited");
}

TEST_CASE("a failure survives the trip through caf::error", "[errors]") {
  auto f = make_failure(error_code::pool_failed, "cannot import");
  f.python_type = "ImportError";
  f.traceback = "Traceback ...\nImportError: x";
  auto back = from_caf_error(to_caf_error(f));
  CHECK(back.code == f.code);
  CHECK(back.message == f.message);
  CHECK(back.python_type == f.python_type);
  CHECK(back.traceback == f.traceback);
}

TEST_CASE("errors of other categories map to internal", "[errors]") {
  auto f = from_caf_error(caf::make_error(caf::sec::request_timeout));
  CHECK(f.code == error_code::internal);
  CHECK_THAT(f.message, Catch::Contains("request_timeout"));
}

TEST_CASE("normal exits are not failures", "[errors]") {
  CHECK(is_normal_exit(caf::error{}));
  CHECK(is_normal_exit(caf::exit_reason::normal));
  CHECK(is_normal_exit(caf::exit_reason::user_shutdown));
  CHECK_FALSE(is_normal_exit(caf::exit_reason::kill));
  CHECK_FALSE(
    is_normal_exit(to_caf_error(make_failure(error_code::worker_crashed, "x"))));
  CHECK(from_caf_error(caf::error{}).code == error_code::none);
}
