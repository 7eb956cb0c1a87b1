// The worker's ready handshake as the host reads it.

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <optional>
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

// Found while writing fuzz_ready_file: a field of the wrong type made
// nlohmann's value() throw out of the worker actor's handler (a float pid
// was a float-to-int overflow).
TEST_CASE("a ready file with fields of the wrong type is a failure, not an "
          "exception",
          "[ready_file][fuzz]") {
  for (auto content :
       {R"({"status": "ready", "address": "unix:/a", "pid": "42"})",
        R"({"status": "ready", "address": 7})",
        R"({"status": "ready", "address": "unix:/a", "gil_enabled": 1})",
        R"({"status": "ready", "address": "unix:/a", "pid": 1e300})",
        R"({"status": "ready", "address": "unix:/a", "max_workers": 1e10})",
        R"({"status": "ready", "address": "unix:/a", "pid": 4294967296})",
        R"({"status": "error", "message": ["not", "text"]})",
        R"({"status": 1})"}) {
    INFO(content);
    temp_file f{content};
    std::optional<handshake> h;
    REQUIRE_NOTHROW(h = read_ready_file(f.path));
    REQUIRE(h);
    CHECK_FALSE(h->ok());
    CHECK(h->error.code == error_code::pool_failed);
  }
}

TEST_CASE("the type error names the field", "[ready_file][fuzz]") {
  auto h = parse_ready_file(
    R"({"status": "ready", "address": "unix:/a", "pid": "42"})", "r.json");
  CHECK_THAT(h.error.message, Catch::Contains("r.json")
                                && Catch::Contains("\"pid\"")
                                && Catch::Contains("integer"));
}

TEST_CASE("null fields keep their defaults and a negative pid is kept as "
          "reported",
          "[ready_file]") {
  auto h = parse_ready_file(
    R"({"status": "ready", "address": "unix:/a", "pid": -3,
        "adapter": null, "max_workers": null})",
    "r.json");
  REQUIRE(h.ok());
  CHECK(h.info.pid == -3);
  CHECK(h.info.adapter.empty());
  CHECK(h.info.slots == 1);
}

TEST_CASE("a ready file over the size limit is a failure, unread",
          "[ready_file]") {
  std::string big = R"({"status": "error", "message": ")";
  big.append(max_ready_file_bytes, 'x');
  big += R"("})";
  CHECK_THAT(parse_ready_file(big, "r.json").error.message,
             Catch::Contains("larger than"));
  temp_file f{big};
  auto h = read_ready_file(f.path);
  REQUIRE(h);
  CHECK_THAT(h->error.message, Catch::Contains("larger than"));
}
