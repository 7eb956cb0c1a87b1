// The worker's ready handshake as the host reads it.

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "actors/ready_file.hpp"

using namespace snakepit;

namespace {

struct temp_file {
  std::string path = "/tmp/snakepit-ready-test-" + std::to_string(getpid())
                     + ".json";

  explicit temp_file(const std::string& content) {
    std::ofstream{path} << content;
  }

  ~temp_file() {
    std::remove(path.c_str());
  }
};

} // namespace

TEST_CASE("no ready file yet means not ready yet", "[ready_file]") {
  CHECK_FALSE(read_ready_file("/tmp/snakepit-no-such-ready-file.json"));
}

TEST_CASE("a ready report gives the address and interpreter facts",
          "[ready_file]") {
  temp_file f{R"({"status": "ready", "pid": 42, "address": "unix:/r/w1.sock",
    "python_version": "3.11.2", "implementation": "cpython",
    "executable": "/usr/bin/python3", "free_threaded_build": false,
    "gil_enabled": true, "adapter": "m.A", "tools": ["ping"],
    "max_workers": 4})"};
  auto h = read_ready_file(f.path);
  REQUIRE(h);
  REQUIRE(h->ok());
  CHECK(h->address == "unix:/r/w1.sock");
  CHECK(h->info.pid == 42);
  CHECK(h->info.python_version == "3.11.2");
  CHECK(h->info.executable == "/usr/bin/python3");
  CHECK(h->info.gil_enabled);
  CHECK(h->info.slots == 4);
}

TEST_CASE("an error report carries the Python exception", "[ready_file]") {
  temp_file f{R"({"status": "error", "stage": "import", "type": "ImportError",
    "message": "no module named x", "traceback": "Traceback ...\nImportError"})"};
  auto h = read_ready_file(f.path);
  REQUIRE(h);
  CHECK_FALSE(h->ok());
  CHECK(h->error.code == error_code::pool_failed);
  CHECK_THAT(h->error.message, Catch::Contains("import"));
  CHECK_THAT(h->error.message, Catch::Contains("no module named x"));
  CHECK(h->error.python_type == "ImportError");
  CHECK_THAT(h->error.traceback, Catch::StartsWith("Traceback"));
}

TEST_CASE("a garbled ready file is a failure, not a hang", "[ready_file]") {
  for (auto content : {"{half", "[]", R"({"status": "maybe"})",
                       R"({"status": "ready"})"}) {
    INFO(content);
    temp_file f{content};
    auto h = read_ready_file(f.path);
    REQUIRE(h);
    CHECK_FALSE(h->ok());
  }
}
