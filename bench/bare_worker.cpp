#include "bench/bare_worker.hpp"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "actors/ready_file.hpp"
#include "bridge.grpc.pb.h"
#include "process/process_host.hpp"
#include "process/run_directory.hpp"

namespace snakepit::bench {

namespace {

namespace pb = ::snakepit::bridge;
using clock_type = std::chrono::steady_clock;

constexpr auto ready_poll = std::chrono::milliseconds{5};
constexpr auto stop_grace = std::chrono::seconds{2};

} // namespace

namespace {

/// The address prefix of a native worker in its ready file.
constexpr std::string_view native_scheme = "native:";

/// The command line of `kind` on `socket`, with `ready` as a worker's ready
/// file; a worker's is the one a 1-worker pool of that transport uses.
std::vector<std::string> arguments(bare_kind kind, const std::string& socket,
                                   const std::string& ready,
                                   const std::string& run_id) {
  if (kind == bare_kind::floor)
    return {SNAKEPIT_BENCH_FLOOR_SCRIPT, "--serve-bare", socket};
  return {"-m",          "snakepit_bridge",
          "--adapter",   "snakepit_bridge.adapters.showcase.ShowcaseAdapter",
          "--socket",    socket,
          "--ready-file", ready,
          "--snakepit-run-id", run_id,
          "--max-workers", "1",
          "--transport",
          kind == bare_kind::grpc_worker ? "grpc" : "native"};
}

} // namespace

std::variant<std::unique_ptr<bare_worker>, std::string>
bare_worker::start(bare_kind kind, const std::string& python,
                   const std::string& python_dir,
                   std::chrono::milliseconds timeout) {
  auto dir = process::run_directory::create(process::default_run_base());
  if (auto* err = std::get_if<std::string>(&dir))
    return "cannot prepare a directory for the bare worker: " + *err;
  std::unique_ptr<bare_worker> w{new bare_worker};
  w->dir_ = std::make_unique<process::run_directory>(
    std::move(std::get<process::run_directory>(dir)));
  auto socket = w->dir_->socket_path("bare");
  auto ready = w->dir_->ready_file_path("bare");
  if (!socket || !ready)
    return "bad socket path: " + socket.error + ready.error;

  process::launch_spec spec;
  spec.executable = python;
  spec.tag = "bench/bare";
  spec.args = arguments(kind, socket.path, ready.path, w->dir_->run_id());
  spec.env = {{"PYTHONPATH", python_dir},
              {"PYTHONUNBUFFERED", "1"},
              {"PYTHONDONTWRITEBYTECODE", "1"}};

  w->host_ = std::make_unique<process::process_host>();
  std::promise<std::variant<process::started, std::string>> started;
  auto started_future = started.get_future();
  auto exited = std::make_shared<std::atomic<bool>>(false);
  w->host_->spawn(
    std::move(spec),
    [&started](std::variant<process::started, std::string> r) {
      started.set_value(std::move(r));
    },
    [exited](process::process_id, process::exit_info) { *exited = true; });
  auto result = started_future.get();
  if (auto* err = std::get_if<std::string>(&result))
    return "cannot start the bare worker: " + *err;
  w->process_ = std::get<process::started>(result).id;
  w->pid_ = std::get<process::started>(result).pid;

  auto deadline = clock_type::now() + timeout;
  while (clock_type::now() < deadline) {
    if (kind == bare_kind::floor) {
      // The loop binds, then listens: a client retries its first connect.
      if (std::filesystem::exists(socket.path)) {
        w->address_ = socket.path;
        return w;
      }
    } else if (auto hs = read_ready_file(ready.path)) {
      if (!hs->ok())
        return "bare worker failed: " + describe(hs->error);
      w->address_ = hs->address;
      if (w->address_.rfind(native_scheme, 0) == 0)
        w->address_.erase(0, native_scheme.size());
      return w;
    }
    if (*exited)
      return std::string{"bare worker exited during start-up"};
    std::this_thread::sleep_for(ready_poll);
  }
  return "bare worker not ready within "
         + std::to_string(timeout.count()) + " ms";
}

bare_worker::~bare_worker() {
  if (host_) {
    host_->terminate(process_, stop_grace);
    host_->shutdown(stop_grace);
  }
}

struct bare_client::impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::BridgeService::Stub> stub;
};

bare_client::bare_client(const std::string& address) : impl_(new impl) {
  impl_->channel = grpc::CreateChannel(address,
                                       grpc::InsecureChannelCredentials());
  impl_->stub = pb::BridgeService::NewStub(impl_->channel);
}

bare_client::~bare_client() = default;

samples bare_client::run_sync(int calls) {
  samples out;
  out.latencies_ns.reserve(calls);
  auto round_start = clock_type::now();
  for (int i = 0; i < calls; ++i) {
    auto start = clock_type::now();
    grpc::ClientContext ctx;
    pb::ExecuteToolRequest req;
    req.set_tool_name("ping");
    pb::ExecuteToolResponse resp;
    auto status = impl_->stub->ExecuteTool(&ctx, req, &resp);
    out.latencies_ns.push_back(ns_since(start));
    if (!status.ok() || !resp.success())
      ++out.failures;
  }
  out.wall = clock_type::now() - round_start;
  return out;
}

samples bare_client::run_async(int calls) {
  samples out;
  out.latencies_ns.reserve(calls);
  std::mutex mtx;
  std::condition_variable cv;
  auto round_start = clock_type::now();
  for (int i = 0; i < calls; ++i) {
    auto start = clock_type::now();
    grpc::ClientContext ctx;
    pb::ExecuteToolRequest req;
    req.set_tool_name("ping");
    pb::ExecuteToolResponse resp;
    bool done = false;
    grpc::Status status;
    impl_->stub->async()->ExecuteTool(&ctx, &req, &resp,
                                      [&](grpc::Status s) {
                                        std::lock_guard<std::mutex> g{mtx};
                                        status = std::move(s);
                                        done = true;
                                        cv.notify_one();
                                      });
    {
      std::unique_lock<std::mutex> guard{mtx};
      cv.wait(guard, [&] { return done; });
    }
    out.latencies_ns.push_back(ns_since(start));
    if (!status.ok() || !resp.success())
      ++out.failures;
  }
  out.wall = clock_type::now() - round_start;
  return out;
}

} // namespace snakepit::bench
