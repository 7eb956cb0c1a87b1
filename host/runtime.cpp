#include <snakepit/runtime.hpp>

#include "actors/worker_environment.hpp"
#include "bridge/channel.hpp"
#include "bridge/native_channel.hpp"
#include "cluster/tls_front.hpp"
#include "process/process_host.hpp"
#include "process/python_location.hpp"
#include "process/run_directory.hpp"

#include <spdlog/spdlog.h>

#include <string_view>

namespace snakepit {

namespace {

/// Grace given to processes still running when the runtime shuts down (the
/// actors normally stopped them already).
constexpr std::chrono::seconds final_grace{2};

/// Address scheme of a worker serving gRPC ("unix:/abs/path.sock").
constexpr std::string_view grpc_scheme = "unix:";

/// Address scheme of a worker serving the native transport
/// ("native:/abs/path.sock").
constexpr std::string_view native_scheme = "native:";

/// Opens a worker's channel by its address's scheme; the native ones share
/// the I/O thread `io`.
channel_factory connector(std::shared_ptr<bridge::native_io> io) {
  return [io = std::move(io)](const bridge::endpoint& where)
           -> std::shared_ptr<bridge::channel> {
    std::string_view address = where.address;
    if (address.substr(0, grpc_scheme.size()) == grpc_scheme)
      return bridge::make_grpc_channel(where.address,
                                       where.max_message_bytes);
    if (address.substr(0, native_scheme.size()) == native_scheme)
      return bridge::make_native_channel(
        io, std::string{address.substr(native_scheme.size())},
        where.max_message_bytes, where.on_broken, where.host_tools);
    return nullptr;
  };
}

} // namespace

result<std::shared_ptr<runtime>> runtime::create(const host_config& cfg) {
  auto python = process::find_python_path(cfg.python_path);
  if (!python)
    return make_failure(
      error_code::invalid_arguments,
      "cannot find the snakepit_bridge package: set python_path or "
        + std::string{process::python_path_variable});
  spdlog::debug("snakepit_bridge package: {} (from {})", python->path,
                to_string(python->origin));
  auto base = cfg.run_dir.empty() ? process::default_run_base() : cfg.run_dir;
  auto dir = process::run_directory::create(base);
  if (auto* err = std::get_if<std::string>(&dir))
    return make_failure(error_code::invalid_arguments,
                        "cannot prepare run directory: " + *err);
  std::shared_ptr<runtime> rt{new runtime};
  if (cfg.cluster.tls) {
    auto front = tls_front::start(*cfg.cluster.tls);
    if (auto* err = std::get_if<std::string>(&front))
      return make_failure(error_code::invalid_arguments,
                          "cannot start mutual TLS: " + *err);
    rt->tls_ = std::move(std::get<std::shared_ptr<tls_front>>(front));
  }
  rt->run_dir_ = std::make_unique<process::run_directory>(
    std::move(std::get<process::run_directory>(dir)));
  rt->grpc_guard_ = bridge::make_grpc_guard();
  rt->host_ = std::make_shared<process::process_host>();
  auto env = std::make_shared<worker_environment>();
  env->launcher = rt->host_;
  env->connect = connector(bridge::make_native_io());
  env->run_id = rt->run_dir_->run_id();
  env->run_path = rt->run_dir_->path();
  env->python_path = python->path;
  env->host_tools = rt->host_tools_;
  rt->env_ = std::move(env);
  return result<std::shared_ptr<runtime>>{std::move(rt)};
}

runtime::~runtime() {
  shutdown();
}

void runtime::shutdown() {
  if (host_)
    host_->shutdown(final_grace);
  run_dir_.reset();
  grpc_guard_.reset();
  tls_.reset();
}

} // namespace snakepit
