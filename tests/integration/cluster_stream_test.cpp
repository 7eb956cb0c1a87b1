// Streams through a remote pool (docs/distribution.md, "Streams"): chunks
// in order with one end, flow control over the network, a cancel, and the
// other host killed in the middle of a stream.

#include <catch2/catch.hpp>

#include <csignal>

#include "cluster_support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono_literals;

namespace {

execute_request far_stream(const std::string& command,
                           const std::string& args) {
  execute_request req;
  req.pool = "far";
  req.command = command;
  req.args_json = args;
  return req;
}

} // namespace

TEST_CASE("cluster: a stream through a remote pool brings every chunk in "
          "order and one end",
          "[integration][cluster][stream]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0)}};
  auto port = start_server(server);
  auto client = start_client(client_config(tmp, port));
  REQUIRE(client->await_ready().front().ready == 2);

  // More chunks than the pool's window (16): acknowledgements cross too.
  auto reader = client->client().stream(far_stream("count", R"({"n": 200})"));
  for (uint64_t i = 0; i < 200; ++i) {
    auto chunk = reader.next();
    if (!chunk)
      FAIL("the stream ended early: " << describe(reader.outcome()));
    CHECK(chunk->index == i);
    CHECK(chunk->json == "{\"i\": " + std::to_string(i) + "}");
  }
  REQUIRE_FALSE(reader.next());
  INFO(describe(reader.outcome()));
  REQUIRE(reader.outcome().ok());
  CHECK(reader.outcome()->chunks == 200);
  CHECK_THAT(reader.outcome()->worker, Catch::StartsWith("default/w"));

  // Binary chunks cross as bytes; a cancel reaches the generator there.
  check_binary_stream_and_cancel(*client, "far");

  // Calls and streams go on side by side afterwards.
  auto sum = client->client().execute("far", "add", R"({"a": 1, "b": 2})");
  REQUIRE(sum);
  CHECK(sum->result_json == "3");
  client.reset();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(patience) == 0);
}

TEST_CASE("cluster: a stream whose host is killed ends once with node_down",
          "[integration][cluster][stream][signals]") {
  temp_dir tmp;
  child_process server{{cli_path(), "run", "-c", serving_config(tmp, 0)}};
  auto port = start_server(server);
  auto client = start_client(client_config(tmp, port));
  REQUIRE(client->await_ready().front().ready == 2);

  auto reader = client->client().stream(
    far_stream("count", R"({"n": 1000000, "ms": 5})"));
  for (int i = 0; i < 5; ++i)
    REQUIRE(reader.next());
  server.signal(SIGKILL);
  REQUIRE(server.wait_exit(patience) == 128 + SIGKILL);
  auto killed_at = std::chrono::steady_clock::now();
  while (reader.next()) {
  }
  CHECK(std::chrono::steady_clock::now() - killed_at < 3s);
  REQUIRE_FALSE(reader.outcome());
  CHECK(reader.outcome().error().code == error_code::node_down);
}
