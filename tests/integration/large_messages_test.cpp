// Messages larger than gRPC's default 4 MiB, on both transports (ctest runs
// this suite once per transport): arguments and results of 8 and 32 MB go
// through, a result over the pool's max_message_mb fails with an error that
// names the limit and the setting, and the worker serves on.

#include <catch2/catch.hpp>

#include "calls.hpp"
#include "host_fixture.hpp"
#include "support.hpp"

using namespace snakepit;
using namespace snakepit::it;

namespace {

constexpr const char* blob_adapter
  = "snakepit_test_adapters.blobs.BlobAdapter";

/// `{"text": "xxx..."}` with `n` x's.
std::string text_args(std::size_t n) {
  return "{\"text\": \"" + std::string(n, 'x') + "\"}";
}

} // namespace

TEST_CASE("large messages: 8 and 32 MB arguments and results round-trip",
          "[integration][messages]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());
  for (std::size_t mb : {8, 32}) {
    INFO(mb << " MB");
    auto reply = host.exec("echo", text_args(mb << 20));
    INFO(describe(reply));
    REQUIRE(reply.ok());
    // The echo of the arguments: the text and its JSON framing.
    CHECK(reply->result_json.size() > (mb << 20));
  }
  CHECK(result_of(host.exec("ping")) == "pong");
}

TEST_CASE("large messages: a result over max_message_mb fails as "
          "MessageTooLarge and the worker serves on",
          "[integration][messages]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  auto& pool = cfg.pools.front();
  pool.adapter = blob_adapter;
  pool.max_message_mb = 2;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());
  auto fits = host.exec("blob", "{\"mb\": 1.5}");
  INFO(describe(fits));
  REQUIRE(fits.ok());
  auto worker = fits->worker;
  auto too_large = host.exec("blob", "{\"mb\": 3}");
  INFO(describe(too_large));
  REQUIRE(too_large.code() == error_code::python_error);
  CHECK(too_large.error().python_type == "MessageTooLarge");
  CHECK(contains(too_large.error().message, "max_message_mb"));
  CHECK(contains(too_large.error().message, "2 MiB"));
  // The same worker answers the next call: nothing was torn down.
  auto after = host.exec("ping");
  REQUIRE(after.ok());
  CHECK(after->result_json == "\"pong\"");
  CHECK(after->worker == worker);
}
