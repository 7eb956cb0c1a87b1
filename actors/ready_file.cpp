#include "actors/ready_file.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace snakepit {

namespace {

handshake failed(std::string message) {
  handshake h;
  h.error = make_failure(error_code::pool_failed, std::move(message));
  return h;
}

handshake from_error_report(const nlohmann::json& doc) {
  auto stage = doc.value("stage", std::string{"start"});
  auto adapter = doc.value("adapter", std::string{});
  handshake h;
  h.error.code = error_code::pool_failed;
  h.error.message = "worker failed at " + stage;
  if (!adapter.empty())
    h.error.message += " of adapter " + adapter;
  h.error.message += ": " + doc.value("message", std::string{});
  h.error.python_type = doc.value("type", std::string{});
  h.error.traceback = doc.value("traceback", std::string{});
  return h;
}

} // namespace

std::optional<handshake> read_ready_file(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return std::nullopt;
  std::stringstream buf;
  buf << in.rdbuf();
  auto doc = nlohmann::json::parse(buf.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return failed("ready file " + path + " is not a JSON object");
  auto status = doc.value("status", std::string{});
  if (status == "error")
    return from_error_report(doc);
  if (status != "ready")
    return failed("ready file " + path + " has unknown status '" + status
                  + "'");
  handshake h;
  h.address = doc.value("address", std::string{});
  if (h.address.empty())
    return failed("ready file " + path + " names no address");
  auto& info = h.info;
  info.pid = doc.value("pid", 0);
  info.python_version = doc.value("python_version", std::string{});
  info.implementation = doc.value("implementation", std::string{});
  info.executable = doc.value("executable", std::string{});
  info.free_threaded_build = doc.value("free_threaded_build", false);
  info.gil_enabled = doc.value("gil_enabled", true);
  info.adapter = doc.value("adapter", std::string{});
  info.slots = doc.value("max_workers", 1);
  return h;
}

} // namespace snakepit
