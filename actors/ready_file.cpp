#include "actors/ready_file.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>

namespace snakepit {

namespace {

using json = nlohmann::json;

handshake failed(std::string message) {
  handshake h;
  h.error = make_failure(error_code::pool_failed, std::move(message));
  return h;
}

handshake too_large(const std::string& source) {
  return failed("ready file " + source + " is larger than "
                + std::to_string(max_ready_file_bytes) + " bytes");
}

/// Reads the fields of one report; a field of the wrong type gives its
/// fallback and is remembered, so the report can be rejected by name.
class report_fields {
public:
  explicit report_fields(const json& doc) : doc_(doc) {
  }

  std::string text(const char* key, std::string fallback = {}) {
    auto* v = find(key);
    if (v == nullptr)
      return fallback;
    if (!v->is_string())
      return wrong(key, "a string", std::move(fallback));
    return v->get<std::string>();
  }

  bool flag(const char* key, bool fallback) {
    auto* v = find(key);
    if (v == nullptr)
      return fallback;
    if (!v->is_boolean())
      return wrong(key, "a boolean", fallback);
    return v->get<bool>();
  }

  /// An integer in the range of `int` (a pid, a count).
  int integer(const char* key, int fallback) {
    auto* v = find(key);
    if (v == nullptr)
      return fallback;
    constexpr auto max = std::numeric_limits<int>::max();
    if (v->is_number_unsigned() && v->get<std::uint64_t>() <= max)
      return static_cast<int>(v->get<std::uint64_t>());
    if (v->is_number_integer() && !v->is_number_unsigned()
        && v->get<std::int64_t>() >= std::numeric_limits<int>::min()
        && v->get<std::int64_t>() <= max)
      return static_cast<int>(v->get<std::int64_t>());
    return wrong(key, "an integer that fits an int", fallback);
  }

  /// The first field of the wrong type, as "field F must be ..."; empty
  /// when every field read so far was fine.
  const std::string& problem() const {
    return problem_;
  }

private:
  const json* find(const char* key) const {
    auto i = doc_.find(key);
    return i == doc_.end() || i->is_null() ? nullptr : &*i;
  }

  template <class T>
  T wrong(const char* key, const char* kind, T fallback) {
    if (problem_.empty())
      problem_ = std::string{"field \""} + key + "\" must be " + kind;
    return fallback;
  }

  const json& doc_;
  std::string problem_;
};

handshake from_error_report(report_fields& fields) {
  auto stage = fields.text("stage", "start");
  auto adapter = fields.text("adapter");
  handshake h;
  h.error.code = error_code::pool_failed;
  h.error.message = "worker failed at " + stage;
  if (!adapter.empty())
    h.error.message += " of adapter " + adapter;
  h.error.message += ": " + fields.text("message");
  h.error.python_type = fields.text("type");
  h.error.traceback = fields.text("traceback");
  return h;
}

handshake from_ready_report(report_fields& fields) {
  handshake h;
  h.address = fields.text("address");
  auto& info = h.info;
  info.pid = fields.integer("pid", 0);
  info.python_version = fields.text("python_version");
  info.implementation = fields.text("implementation");
  info.executable = fields.text("executable");
  info.free_threaded_build = fields.flag("free_threaded_build", false);
  info.gil_enabled = fields.flag("gil_enabled", true);
  info.session_snapshots = fields.flag("session_snapshots", false);
  info.adapter = fields.text("adapter");
  info.slots = fields.integer("max_workers", 1);
  return h;
}

} // namespace

handshake parse_ready_file(std::string_view text, const std::string& source) {
  if (text.size() > max_ready_file_bytes)
    return too_large(source);
  auto doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return failed("ready file " + source + " is not a JSON object");
  report_fields fields{doc};
  auto status = fields.text("status");
  handshake h;
  if (status == "error")
    h = from_error_report(fields);
  else if (status == "ready")
    h = from_ready_report(fields);
  else if (fields.problem().empty())
    return failed("ready file " + source + " has unknown status '" + status
                  + "'");
  if (!fields.problem().empty())
    return failed("ready file " + source + ": " + fields.problem());
  if (h.ok() && h.address.empty())
    return failed("ready file " + source + " names no address");
  return h;
}

std::optional<handshake> read_ready_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary | std::ios::ate};
  if (!in)
    return std::nullopt;
  // The worker renames a complete file into place: its size is final.
  auto end = std::max<std::streamoff>(in.tellg(), 0);
  auto size = static_cast<std::size_t>(end);
  if (size > max_ready_file_bytes)
    return too_large(path);
  std::string text(size, '\0');
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_ready_file(text, path);
}

} // namespace snakepit
