#include "admin/admin_protocol.hpp"

#include <exception>
#include <utility>

namespace snakepit::admin {

namespace {

using json = nlohmann::json;

/// How a field's value must look: a test, and its name for errors.
struct field_kind {
  bool (*test)(const json&);
  const char* name;
};

/// The object on `line` (a `what`), or what is wrong with it: `field` must
/// be present and of the given kind.
std::variant<json, std::string> parse_object(std::string_view line,
                                             const char* what,
                                             const char* field,
                                             field_kind kind) {
  auto value = json::parse(line.begin(), line.end(), nullptr, false);
  if (value.is_discarded())
    return std::string{"malformed JSON in "} + what
           + ": expected one JSON object on one line";
  if (!value.is_object())
    return std::string{what} + " must be a JSON object, not "
           + value.type_name();
  auto found = value.find(field);
  if (found == value.end())
    return std::string{what} + " has no \"" + field + "\" field";
  if (!kind.test(*found))
    return std::string{"\""} + field + "\" in " + what + " must be a "
           + kind.name + ", not " + found->type_name();
  return value;
}

} // namespace

json ok_reply(json fields) {
  fields["ok"] = true;
  return fields;
}

json error_reply(std::string text) {
  return {{"ok", false}, {"error", std::move(text)}};
}

std::string to_line(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace) + '\n';
}

std::variant<json, std::string> parse_request(std::string_view line) {
  return parse_object(line, "request", "op",
                      {[](const json& v) { return v.is_string(); }, "string"});
}

std::variant<json, std::string> parse_reply(std::string_view line) {
  return parse_object(line, "reply", "ok",
                      {[](const json& v) { return v.is_boolean(); }, "boolean"});
}

std::string answer(std::string_view line, const request_handler& handler) {
  auto request = parse_request(line);
  if (auto* error = std::get_if<std::string>(&request))
    return to_line(error_reply(std::move(*error)));
  auto op = std::get<json>(request)["op"].get<std::string>();
  json reply;
  try {
    reply = handler(std::get<json>(request));
  } catch (const std::exception& ex) {
    return to_line(error_reply("op \"" + op + "\" failed: " + ex.what()));
  } catch (...) {
    return to_line(error_reply("op \"" + op + "\" failed"));
  }
  // find() gives end() on anything but an object.
  auto ok = reply.find("ok");
  if (ok == reply.end() || !ok->is_boolean())
    return to_line(error_reply("internal error: the reply to op \"" + op
                               + "\" has no boolean \"ok\""));
  auto text = to_line(reply);
  if (text.size() > max_line_bytes + 1)
    return to_line(error_reply("the reply to op \"" + op + "\" is "
                               + std::to_string(text.size() - 1)
                               + " bytes, over the limit of "
                               + std::to_string(max_line_bytes)));
  return text;
}

std::string oversized_request_line() {
  return to_line(error_reply("request line exceeds "
                             + std::to_string(max_line_bytes)
                             + " bytes; closing the connection"));
}

} // namespace snakepit::admin
