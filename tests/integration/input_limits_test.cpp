// Hostile input against a real host and real Python workers: deep JSON,
// invalid names, huge and invalid arguments, unknown pools and requests
// sent to the wrong pool. Each is answered as the user's error, the host
// stays up, and a large request never holds up the pool's other requests.

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <string>

#include <snakepit/errors.hpp>

#include "calls.hpp"

using namespace snakepit;
using namespace snakepit::it;

namespace {

/// `{"v": [[[...]]]}` with the array nested `depth` levels.
std::string nested_args(std::size_t depth) {
  return "{\"v\": " + std::string(depth, '[') + std::string(depth, ']') + "}";
}

/// Sends `first` then `second` to the pool actor `pool` (in that order:
/// one sender) and returns their replies in the order they arrived.
std::vector<execute_reply> replies_in_order(host_fixture& host,
                                            const snakepit::pool_actor& pool,
                                            execute_request first,
                                            execute_request second) {
  caf::scoped_actor self{host.system()};
  self->send(pool, execute_atom::value, std::move(first));
  self->send(pool, execute_atom::value, std::move(second));
  std::vector<execute_reply> replies;
  for (int i = 0; i < 2; ++i)
    self->receive([&](execute_reply& r) { replies.push_back(std::move(r)); },
                  caf::after(std::chrono::seconds{60}) >> [] {});
  return replies;
}

/// `{"a": "xxx..."}` with `n` x, followed by `tail` before the brace.
std::string long_string_args(std::size_t n, const std::string& tail = "") {
  return "{\"a\": \"" + std::string(n, 'x') + "\"" + tail + "}";
}

/// The host still answers, on the same pool.
void check_serving(host_fixture& host) {
  CHECK(result_of(host.exec("ping")) == "pong");
  CHECK(host.status().ready == host.config().pools.front().size);
}

} // namespace

TEST_CASE("deep JSON is refused on the host and the host keeps serving",
          "[integration][input]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());
  // 100,000 levels (about 200 KB) crashed the host (SIGSEGV in the
  // recursive serializer); 10,000 came back from Python as `internal`.
  for (std::size_t depth : {100000u, 10000u, 128u}) {
    auto reply = host.exec("echo", nested_args(depth));
    INFO("depth " << depth << ": " << describe(reply));
    CHECK(reply.code() == error_code::invalid_arguments);
    CHECK(contains(reply.error().message, "max_json_depth"));
    CHECK(reply.error().message.size() < 400);
    CHECK(reply.error().worker.empty());
  }
  // The arguments object is level 1: 127 levels inside it are fine.
  auto deepest = host.exec("echo", nested_args(127));
  INFO(describe(deepest));
  CHECK(deepest.ok());
  check_serving(host);
}

TEST_CASE("JSON within the limit but beyond Python's recursion is the "
          "user's error",
          "[integration][input]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools.front().max_json_depth = 5000;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  auto reply = host.exec("echo", nested_args(3000));
  INFO(describe(reply));
  CHECK(reply.code() == error_code::invalid_arguments);
  CHECK(reply.error().python_type == "RecursionError");
  CHECK(contains(reply.error().message, "recursion limit"));
  CHECK(reply.error().worker == "default/w1");
  check_serving(host);
}

TEST_CASE("bad names are invalid_arguments naming the field",
          "[integration][input]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());
  // Once `internal` ("gRPC error 13: Exception deserializing request!").
  auto bad_utf8 = host.exec("ec\xff\xfeho");
  CHECK(bad_utf8.code() == error_code::invalid_arguments);
  CHECK(contains(bad_utf8.error().message, "command is not valid UTF-8"));
  CHECK(contains(bad_utf8.error().message, R"("ec\xff\xfeho")"));
  auto long_name = host.exec(std::string(100000, 'x'));
  CHECK(long_name.code() == error_code::invalid_arguments);
  CHECK(long_name.error().message.size() < 400);
  auto session = make_request("", "ping");
  session.session_id = "s\xc0\xaf";
  auto bad_session = host.client().execute(session);
  CHECK(bad_session.code() == error_code::invalid_arguments);
  CHECK(contains(bad_session.error().message, "session_id"));
  auto bad_pool = host.client().execute("de\nfault", "ping");
  CHECK(bad_pool.code() == error_code::invalid_arguments);
  CHECK(contains(bad_pool.error().message, "pool contains a control"));
  check_serving(host);
}

TEST_CASE("large invalid or oversized arguments get short errors",
          "[integration][input]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].max_message_mb = 4;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  // 5 MB of invalid JSON once gave a 5,242,911-byte message. Over the
  // limit on its raw size, it is refused before it is parsed.
  auto invalid = host.exec("echo", long_string_args(5 << 20, ", "));
  CHECK(invalid.code() == error_code::invalid_arguments);
  CHECK(contains(invalid.error().message, "request is at least"));
  CHECK(invalid.error().message.size() < 400);
  // Within the limit, invalid JSON is named as such, just as briefly.
  auto invalid_fits = host.exec("echo", long_string_args(3 << 20, ", "));
  CHECK(invalid_fits.code() == error_code::invalid_arguments);
  CHECK(contains(invalid_fits.error().message, "not valid JSON"));
  CHECK(invalid_fits.error().message.size() < 400);
  // Valid but larger than the pool's 4 MiB message limit: refused before
  // it is sent, with the sizes (once `internal`, from the transport).
  auto oversized = host.exec("echo", long_string_args(5 << 20));
  INFO(describe(oversized));
  CHECK(oversized.code() == error_code::invalid_arguments);
  CHECK(contains(oversized.error().message, "more than max_message_mb "
                                          "(4 MiB)"));
  CHECK(oversized.error().worker.empty());
  // Just below the limit, it goes through.
  auto fits = host.exec("echo", long_string_args((4 << 20) - 1024));
  INFO(describe(fits));
  CHECK(fits.ok());
  check_serving(host);
}

TEST_CASE("a large request does not hold up the pool's other requests",
          "[integration][input]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 2)};
  REQUIRE(host.await_ready().all_ready());
  auto pool = host.pool_handle("default");
  // 50 MB of arguments, invalid only at their very end: checking them
  // takes a full pass. Once checked on the pool actor, they held up a
  // ping to an idle worker sent right after them until the check was done.
  auto replies = replies_in_order(
    host, pool, make_request("", "echo", long_string_args(50 << 20, ", ")),
    make_request("", "ping"));
  REQUIRE(replies.size() == 2);
  INFO("first: " << describe(replies[0]) << replies[0]->result_json);
  // The ping, sent second, is answered first.
  CHECK(replies[0].ok());
  CHECK(replies[0]->result_json == "\"pong\"");
  CHECK(replies[1].code() == error_code::invalid_arguments);
}

TEST_CASE("requests being checked are bounded by queue_size",
          "[integration][input]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools.front().queue_size = 1;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  auto pool = host.pool_handle("default");
  // The first takes a while to check; the second arrives meanwhile and
  // finds the one place taken.
  auto replies = replies_in_order(
    host, pool, make_request("", "echo", long_string_args(50 << 20, ", ")),
    make_request("", "echo", long_string_args(8192)));
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].code() == error_code::pool_saturated);
  CHECK(contains(replies[0].error().message, "is checking 1 large requests"));
  CHECK(replies[1].code() == error_code::invalid_arguments);
  // Once checked, the place is free again.
  CHECK(host.exec("echo", long_string_args(8192)).ok());
}

TEST_CASE("an unknown pool is pool_not_found on every path",
          "[integration][input][lookup]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());
  // The root supervisor answered a null handle.
  CHECK_THROWS_WITH(host.pool_handle("no_such_pool"),
                    Catch::StartsWith("pool_not_found: "));
  auto reply = host.client().execute("no_such_pool", "ping");
  CHECK(reply.code() == error_code::pool_not_found);
  CHECK(contains(reply.error().message, "no pool named 'no_such_pool'"));
  auto inspected = host.client().inspect("no_such_pool");
  REQUIRE(!inspected);
  CHECK(inspected.code() == error_code::pool_not_found);
}

TEST_CASE("a request naming another pool than its receiver is refused",
          "[integration][input][lookup]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());
  auto pool = host.pool_handle("default");
  caf::scoped_actor self{host.system()};
  auto ask = [&](std::string pool_field) {
    execute_reply out;
    self->request(pool, std::chrono::seconds{30}, execute_atom::value,
                  make_request(std::move(pool_field), "ping"))
      .receive([&](execute_reply& r) { out = std::move(r); },
               [&](caf::error& err) { FAIL(caf::to_string(err)); });
    return out;
  };
  // It ran on "default" before.
  auto other = ask("b");
  CHECK(other.code() == error_code::invalid_arguments);
  CHECK(other.error().message
        == "request names pool b but was sent to pool default");
  CHECK(ask("").ok());
  CHECK(ask("default").ok());
}
