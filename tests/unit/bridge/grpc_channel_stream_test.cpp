// Streaming calls on the gRPC channel (ExecuteStreamingTool) against a C++
// gRPC server scripted by tool name: chunks in order, delivered only
// against credit, the final chunk's end (also without credit), the idle
// timeout that runs only while there is credit, cancel without callbacks, and a worker that breaks the
// protocol (a chunk after the final one, no final chunk, an error status).

#include <catch2/catch.hpp>

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bridge/channel.hpp"
#include "bridge.grpc.pb.h"
#include "channel_test_support.hpp"

using namespace snakepit;
using namespace snakepit::bridge;
using namespace snakepit::test;
using namespace std::chrono_literals;

namespace {

ToolChunk chunk_of(int index, const std::string& data, bool binary = false) {
  ToolChunk chunk;
  chunk.set_chunk_id(std::to_string(index));
  chunk.set_data(data);
  chunk.set_binary(binary);
  return chunk;
}

ToolChunk final_chunk() {
  ToolChunk chunk;
  chunk.set_is_final(true);
  chunk.set_execution_time_us(42);
  return chunk;
}

/// A worker's ExecuteStreamingTool, scripted by the tool's name: "count"
/// (metadata "n" chunks, then the final one), "fail" (a chunk, then a
/// final one with an error), "hang" (a chunk, then waits to be cancelled),
/// "after_final" (chunks after the final one), "no_final", "unavailable"
/// (a chunk, then that status).
class scripted_worker final : public BridgeService::Service {
public:
  grpc::Status ExecuteStreamingTool(grpc::ServerContext* ctx,
                                    const ExecuteToolRequest* req,
                                    grpc::ServerWriter<ToolChunk>* out)
    override {
    {
      std::lock_guard<std::mutex> lock{mutex_};
      call_ids_.push_back(req->metadata().at("snakepit.call_id"));
    }
    const auto& tool = req->tool_name();
    if (tool == "count") {
      auto n = std::stoi(req->metadata().at("n"));
      for (int i = 0; i < n; ++i)
        out->Write(chunk_of(i, std::to_string(i)));
      out->Write(final_chunk());
    } else if (tool == "binary") {
      out->Write(chunk_of(0, std::string{"\0\xff", 2}, true));
      out->Write(chunk_of(1, ""));
      out->Write(final_chunk());
    } else if (tool == "fail") {
      out->Write(chunk_of(0, "0"));
      auto last = final_chunk();
      auto* error = last.mutable_error();
      error->set_category("python_error");
      error->set_type("RuntimeError");
      error->set_message("boom");
      error->set_traceback("Traceback: fail");
      out->Write(last);
    } else if (tool == "hang") {
      out->Write(chunk_of(0, "0"));
      // Polls: the sync API has no wait for a cancel.
      for (int i = 0; i < 3000 && !ctx->IsCancelled(); ++i)
        std::this_thread::sleep_for(10ms);
      std::lock_guard<std::mutex> lock{mutex_};
      cancelled_ += ctx->IsCancelled() ? 1 : 0;
      changed_.notify_all();
      return grpc::Status::CANCELLED;
    } else if (tool == "after_final") {
      out->Write(chunk_of(0, "0"));
      out->Write(final_chunk());
      for (int i = 1; i < 4; ++i)
        out->Write(chunk_of(i, std::to_string(i)));
    } else if (tool == "no_final") {
      out->Write(chunk_of(0, "0"));
    } else if (tool == "unavailable") {
      out->Write(chunk_of(0, "0"));
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone");
    }
    return grpc::Status::OK;
  }

  /// Waits (at most 30 s) until `n` "hang" calls saw their cancel.
  bool await_cancelled(int n) {
    std::unique_lock<std::mutex> lock{mutex_};
    return changed_.wait_for(lock, 30s, [&] { return cancelled_ >= n; });
  }

  std::vector<std::string> call_ids() {
    std::lock_guard<std::mutex> lock{mutex_};
    return call_ids_;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int cancelled_ = 0;
  std::vector<std::string> call_ids_;
};

/// A streaming call of `tool`, with `n` in its metadata.
std::shared_ptr<const std::string> stream_call(const std::string& tool,
                                               int n = 0) {
  ExecuteToolRequest request;
  request.set_tool_name(tool);
  request.set_stream(true);
  (*request.mutable_metadata())["n"] = std::to_string(n);
  return std::make_shared<const std::string>(request.SerializeAsString());
}

/// The scripted worker on a Unix socket in a fresh directory, and a gRPC
/// channel to it.
struct grpc_fixture {
  std::filesystem::path dir;
  scripted_worker worker;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<channel> ch;

  grpc_fixture() {
    char pattern[] = "/tmp/spgs-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir = pattern;
    auto address = "unix:" + (dir / "w.sock").string();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials());
    builder.RegisterService(&worker);
    server = builder.BuildAndStart();
    REQUIRE(server);
    ch = make_grpc_channel(address, test_max_bytes);
  }

  ~grpc_fixture() {
    ch.reset();
    server->Shutdown(std::chrono::system_clock::now() + 5s);
    server->Wait();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  /// A stream's chunks and end.
  struct stream {
    chunk_log chunks;
    completion<tool_result> done;
  };

  void start(stream& s, uint64_t id, const std::string& tool, int n = 0,
             uint32_t window = 16,
             std::chrono::milliseconds idle_timeout = 30s) {
    ch->execute_stream(id, stream_call(tool, n), idle_timeout, window,
                       s.chunks.callback(), s.done.callback());
  }

  /// Starts stream `id` of "hang" and waits for its one chunk.
  void start_hanging(stream& s, uint64_t id) {
    start(s, id, "hang");
    s.chunks.await(1);
  }

  /// The worker saw `n` cancels, and `s` never ended.
  void check_cancelled_quietly(stream& s, int n = 1) {
    CHECK(worker.await_cancelled(n));
    CHECK(s.done.future.wait_for(300ms) == std::future_status::timeout);
  }
};

} // namespace

TEST_CASE_METHOD(grpc_fixture,
                 "a gRPC stream delivers its chunks in order, then the "
                 "final chunk's end",
                 "[grpc_channel][stream]") {
  stream s;
  start(s, 7, "count", 20, 32);
  auto end = s.done.get();
  CHECK(end.error.code == error_code::none);
  CHECK(end.python_us == 42);
  auto got = s.chunks.await(20);
  REQUIRE(got.size() == 20);
  for (int i = 0; i < 20; ++i)
    CHECK(got[i] == std::make_pair(std::to_string(i), false));
  CHECK(worker.call_ids() == std::vector<std::string>{"7"});

  stream raw;
  start(raw, 8, "binary");
  CHECK(raw.done.get().error.code == error_code::none);
  auto blobs = raw.chunks.await(2);
  CHECK(blobs[0] == std::make_pair(std::string{"\0\xff", 2}, true));
  // Empty JSON text is null, as on the native transport.
  CHECK(blobs[1] == std::make_pair(std::string{"null"}, false));
}

TEST_CASE_METHOD(grpc_fixture,
                 "a gRPC stream delivers only against credit, never above "
                 "the window, and never times out without credit",
                 "[grpc_channel][stream]") {
  stream s;
  start(s, 3, "count", 5, 2, 300ms);
  s.chunks.await(2);
  // The worker sent everything; the host holds it back, for longer than
  // the idle timeout.
  CHECK(s.done.future.wait_for(900ms) == std::future_status::timeout);
  CHECK(s.chunks.size() == 2);
  ch->grant(3, 10); // only 2: the window
  s.chunks.await(4);
  CHECK(s.done.future.wait_for(300ms) == std::future_status::timeout);
  CHECK(s.chunks.size() == 4);
  ch->grant(3, 1);
  CHECK(s.done.get().error.code == error_code::none);
  CHECK(s.chunks.size() == 5);
}

TEST_CASE_METHOD(grpc_fixture,
                 "a gRPC stream ends while the caller holds it back",
                 "[grpc_channel][stream]") {
  stream s;
  start(s, 3, "count", 2, 2);
  // No grant: the final chunk needs no credit.
  CHECK(s.done.get().error.code == error_code::none);
  CHECK(s.chunks.size() == 2);
}

TEST_CASE_METHOD(grpc_fixture,
                 "a gRPC stream ends with the final chunk's error after its "
                 "chunks",
                 "[grpc_channel][stream]") {
  stream s;
  start(s, 1, "fail");
  auto end = s.done.get();
  CHECK(s.chunks.size() == 1);
  CHECK(end.error.code == error_code::python_error);
  CHECK(end.error.python_type == "RuntimeError");
  CHECK(end.error.message == "boom");
  CHECK(end.error.traceback == "Traceback: fail");
}

TEST_CASE_METHOD(grpc_fixture,
                 "the idle timeout of a gRPC stream cancels the call",
                 "[grpc_channel][stream]") {
  stream s;
  start(s, 5, "hang", 0, 4, 1000ms);
  auto end = s.done.get();
  CHECK(end.error.code == error_code::request_timeout);
  CHECK_THAT(end.error.message, Catch::Contains("1000 ms"));
  CHECK(s.chunks.size() == 1);
  CHECK(worker.await_cancelled(1));
}

TEST_CASE_METHOD(grpc_fixture,
                 "a cancelled gRPC stream tells the worker and ends without "
                 "a callback",
                 "[grpc_channel][stream]") {
  stream s;
  start_hanging(s, 6);
  ch->cancel_stream(6);
  check_cancelled_quietly(s);
  // Grants and cancels of an ended (or unknown) stream are ignored.
  ch->grant(6, 1);
  ch->cancel_stream(6);
  ch->cancel_stream(99);
  stream next;
  start(next, 6, "count", 1); // the id is free again
  CHECK(next.done.get().error.code == error_code::none);
}

TEST_CASE_METHOD(grpc_fixture,
                 "a worker breaking the gRPC stream protocol ends it once",
                 "[grpc_channel][stream]") {
  stream after;
  start(after, 1, "after_final");
  // The final chunk said how it ended; what follows is dropped.
  CHECK(after.done.get().error.code == error_code::none);
  CHECK(after.chunks.size() == 1);

  stream unfinished;
  start(unfinished, 2, "no_final");
  auto end = unfinished.done.get();
  CHECK(end.error.code == error_code::internal);
  CHECK_THAT(end.error.message, Catch::Contains("without its final chunk"));

  stream lost;
  start(lost, 3, "unavailable");
  CHECK(lost.done.get().error.code == error_code::worker_crashed);
}

TEST_CASE_METHOD(grpc_fixture,
                 "a gRPC stream id already in flight is refused at once",
                 "[grpc_channel][stream]") {
  stream first;
  stream second;
  start_hanging(first, 4);
  start(second, 4, "count", 1);
  auto refused = second.done.get();
  CHECK(refused.error.code == error_code::internal);
  CHECK_THAT(refused.error.message, Catch::Contains("already in flight"));
  ch->cancel_stream(4);
  check_cancelled_quietly(first);
}

TEST_CASE_METHOD(grpc_fixture,
                 "a gRPC channel that goes cancels its streams without "
                 "callbacks",
                 "[grpc_channel][stream]") {
  stream s;
  start_hanging(s, 2);
  ch.reset();
  check_cancelled_quietly(s);
}
