#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <filesystem>
#include <string>

#include <snakepit/snakepit.hpp>

#include "actors/worker_environment.hpp"
#include "calls.hpp"
#include "host_fixture.hpp"

using namespace snakepit;
using namespace snakepit::it;

TEST_CASE("bootstrap: an unusable run directory is a failure, not a system",
          "[integration][bootstrap]") {
  temp_dir tmp;
  write_file(tmp / "file", "not a directory");
  auto cfg = make_config(tmp / "file", 1);
  auto env = bootstrap(cfg);
  REQUIRE_FALSE(env.ok());
  CHECK(env.code() == error_code::invalid_arguments);
  CHECK(contains(env.error().message, "cannot prepare run directory"));
}

TEST_CASE("bootstrap: pools run in its system, which waits for them and "
          "removes the run directory",
          "[integration][bootstrap]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  bool configured = false;
  auto env = bootstrap(cfg, [&](caf::actor_system_config&) {
    configured = true;
  }).value();
  CHECK(configured);
  auto& sys = env->system();
  auto run_path = env->runtime()->env()->run_path;
  REQUIRE(std::filesystem::is_directory(run_path));
  auto root = spawn_host(sys, cfg, env->runtime());
  {
    client c{sys, root};
    auto ready = c.await_ready("default", patience);
    REQUIRE(ready.ok());
    REQUIRE(ready->all_ready());
    auto reply = c.execute("default", "add", R"({"a":1,"b":2})");
    INFO(describe(reply));
    REQUIRE(reply.ok());
    CHECK(reply->result_json == "3");
    CHECK(reply->worker == "default/w1");
  }
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  root = nullptr;
  env.reset();
  CHECK_FALSE(std::filesystem::exists(run_path));
}
