// Streaming tools through a pool (docs/streaming.md), with real workers:
// chunks in order then one end, the window held end to end, cancel and a
// caller that goes (the generator's cleanup runs in Python), an error and a
// crash mid-stream, a recycle while streaming, an unknown tool. Every case
// runs on both transports: on gRPC the caller sees the same window (the
// host reads a chunk only against credit), while the generator may run
// further ahead, bounded by HTTP/2 flow control (docs/streaming.md).

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <csignal>
#include <fstream>
#include <thread>

#include "calls.hpp"
#include "host_fixture.hpp"
#include "support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono_literals;

namespace {

execute_request stream_request(const host_fixture& host,
                               const std::string& command,
                               const std::string& args) {
  execute_request req;
  req.pool = host.config().pools.front().name;
  req.command = command;
  req.args_json = args;
  return req;
}

/// How many `count` streams have run their cleanup in the (one) worker.
int closed_streams(host_fixture& host) {
  return result_of(host.exec("closed_streams")).get<int>();
}

/// This process's resident set, KiB (VmRSS).
long rss_kb() {
  std::ifstream status{"/proc/self/status"};
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
    std::getline(status, key);
  }
  return 0;
}

/// The pid of the pool's only worker.
int only_worker_pid(host_fixture& host) {
  auto st = host.status();
  REQUIRE(st.workers.size() == 1);
  return st.workers.front().info.pid;
}

/// Reads `reader` to its end; how many chunks came.
int drain(stream_reader& reader) {
  int n = 0;
  while (reader.next())
    ++n;
  return n;
}

/// A host with one ready worker (a pool with `stream_window` `window`).
struct stream_fixture {
  temp_dir tmp;
  host_fixture host;

  explicit stream_fixture(int window = 16) : host{config(tmp, window)} {
    REQUIRE(host.await_ready().all_ready());
  }

  stream_reader stream(const std::string& command, const std::string& args) {
    return host.client().stream(stream_request(host, command, args));
  }

private:
  static host_config config(temp_dir& tmp, int window) {
    auto cfg = make_config(tmp / "run", 1);
    cfg.pools.front().stream_window = window;
    return cfg;
  }
};

} // namespace

TEST_CASE("streams: chunks in order, then one end with the counts",
          "[integration][stream]") {
  stream_fixture f;
  auto reader = f.stream("count", R"({"n": 50})");
  uint64_t bytes = 0;
  for (uint64_t i = 0; i < 50; ++i) {
    auto chunk = reader.next();
    if (!chunk)
      FAIL("the stream ended early: " << describe(reader.outcome()));
    CHECK(chunk->index == i);
    CHECK_FALSE(chunk->binary);
    CHECK(chunk->json == "{\"i\": " + std::to_string(i) + "}");
    bytes += chunk->json.size();
  }
  REQUIRE_FALSE(reader.next());
  INFO(describe(reader.outcome()));
  REQUIRE(reader.outcome().ok());
  CHECK(reader.outcome()->chunks == 50);
  CHECK(reader.outcome()->chunk_bytes == bytes);
  CHECK(reader.outcome()->result_json == "null");

  auto binary = f.stream("count_bytes", R"({"n": 3, "size": 1000})");
  for (int i = 0; i < 3; ++i) {
    auto chunk = binary.next();
    REQUIRE(chunk);
    CHECK(chunk->binary);
    CHECK(chunk->data == snakepit::bytes(1000, static_cast<std::byte>(i)));
  }
  REQUIRE_FALSE(binary.next());
  CHECK(binary.outcome().ok());

  auto words = f.stream("tokens", R"({"text": "an async generator"})");
  std::vector<std::string> got;
  while (auto chunk = words.next())
    got.push_back(chunk->json);
  CHECK(got == std::vector<std::string>{"\"an\"", "\"async\"",
                                        "\"generator\""});
  // A plain tool as a stream: its result is the one chunk.
  auto plain = f.stream("ping", "{}");
  auto only = plain.next();
  REQUIRE(only);
  CHECK(only->json == "\"pong\"");
  CHECK_FALSE(plain.next());
}

TEST_CASE("streams: at most stream_window chunks ahead of the caller",
          "[integration][stream]") {
  stream_fixture f{4};
  auto& host = f.host;
  caf::scoped_actor self{host.system()};
  auto handle = host.pool_handle(host.config().pools.front().name);
  auto req = stream_request(host, "count", R"({"n": 1000})");
  auto pending = self->request(handle, caf::infinite,
                               execute_stream_atom::value, req);
  uint64_t stream_id = 0;
  self->receive([&](const stream_opened& opened) {
    stream_id = opened.stream_id;
  });
  // Without acknowledgements exactly the window arrives, nothing more.
  auto take_for = [&](std::chrono::milliseconds quiet) {
    int n = 0;
    bool more = true;
    while (more)
      self->receive([&](const stream_chunk&) { ++n; },
                    caf::after(quiet) >> [&] { more = false; });
    return n;
  };
  CHECK(take_for(700ms) == 4);
  // Another actor that knows the id can neither cancel nor acknowledge.
  {
    caf::scoped_actor stranger{host.system()};
    stranger->send(handle, stream_cancel_atom::value, stream_id);
    stranger->send(handle, stream_ack_atom::value, stream_id, uint32_t{100});
  }
  self->send(handle, stream_ack_atom::value, stream_id, uint32_t{4});
  CHECK(take_for(700ms) == 4);
  self->send(handle, stream_cancel_atom::value, stream_id);
  execute_reply end;
  pending.receive([&](execute_reply& r) { end = std::move(r); },
                  [&](caf::error& e) { FAIL(caf::to_string(e)); });
  CHECK(end.code() == error_code::cancelled);
}

TEST_CASE("streams: 100,000 chunks to a slow reader, memory bounded",
          "[integration][stream]") {
  stream_fixture f;
  auto rss_before = rss_kb();
  auto reader = f.stream("count_bytes", R"({"n": 100000, "size": 512})");
  uint64_t n = 0;
  while (auto chunk = reader.next()) {
    REQUIRE(chunk->index == n);
    if (++n % 20000 == 0)
      std::this_thread::sleep_for(200ms); // the slow consumer
  }
  INFO(describe(reader.outcome()));
  REQUIRE(reader.outcome().ok());
  CHECK(n == 100000);
  CHECK(reader.outcome()->chunk_bytes == 100000u * 512u);
  // 51 MB went through; the host held at most the window at a time.
  CHECK(rss_kb() < rss_before + 30 * 1024);
}

TEST_CASE("streams: cancel, or a reader that goes, closes the generator",
          "[integration][stream]") {
  stream_fixture f;
  auto& host = f.host;
  auto before = closed_streams(host);
  {
    auto reader = f.stream("count", R"({"n": 100000, "ms": 5})");
    REQUIRE(reader.next());
    reader.cancel();
    drain(reader);
    CHECK(reader.outcome().code() == error_code::cancelled);
  }
  CHECK(eventually([&] { return closed_streams(host) == before + 1; },
                   10000ms));
  {
    auto gone = f.stream("count", R"({"n": 100000, "ms": 5})");
    REQUIRE(gone.next());
  } // destroyed mid-stream
  CHECK(eventually([&] { return closed_streams(host) == before + 2; },
                   10000ms));
  CHECK(result_of(host.exec("ping")) == "pong");
}

TEST_CASE("streams: an error mid-stream ends it after its chunks",
          "[integration][stream]") {
  stream_fixture f;
  auto reader = f.stream("fail_after", R"({"n": 3})");
  CHECK(drain(reader) == 3);
  REQUIRE(reader.outcome().code() == error_code::python_error);
  CHECK(reader.outcome().error().python_type == "RuntimeError");
  CHECK(contains(reader.outcome().error().message, "failed after 3"));
  CHECK(contains(reader.outcome().error().traceback, "fail_after"));
}

TEST_CASE("streams: a worker crash mid-stream ends it once",
          "[integration][stream]") {
  stream_fixture f;
  auto& host = f.host;
  auto pid = only_worker_pid(host);
  auto reader = f.stream("count", R"({"n": 100000, "ms": 5})");
  REQUIRE(reader.next());
  REQUIRE(::kill(pid, SIGKILL) == 0);
  drain(reader);
  CHECK(reader.outcome().code() == error_code::worker_crashed);
  REQUIRE(host.await_ready().all_ready());
  CHECK(result_of(host.exec("ping")) == "pong");
}

TEST_CASE("streams: a recycle waits for the stream to end",
          "[integration][stream]") {
  stream_fixture f;
  auto& host = f.host;
  auto pid = only_worker_pid(host);
  auto reader = f.stream("count", R"({"n": 20, "ms": 20})");
  REQUIRE(reader.next());
  REQUIRE(host.client().recycle(host.config().pools.front().name).ok());
  auto rest = drain(reader);
  INFO(describe(reader.outcome()));
  CHECK(reader.outcome().ok());
  CHECK(rest == 19);
  CHECK(eventually(
    [&] {
      auto st = host.status();
      return st.workers.size() == 1 && st.workers.front().info.pid != pid
             && st.all_ready();
    },
    20000ms));
}

TEST_CASE("streams: an unknown tool or bad arguments end it before a chunk",
          "[integration][stream]") {
  stream_fixture f;
  auto unknown = f.stream("no_such_tool", "{}");
  CHECK(drain(unknown) == 0);
  CHECK(unknown.outcome().code() == error_code::unknown_command);
  CHECK(contains(unknown.outcome().error().message, "no_such_tool"));
  auto bad = f.stream("count", R"({"m": 1})");
  CHECK(drain(bad) == 0);
  CHECK(bad.outcome().code() == error_code::invalid_arguments);
  // The worker serves on.
  auto fine = f.stream("count", R"({"n": 2})");
  CHECK(drain(fine) == 2);
  CHECK(fine.outcome().ok());
}
