#pragma once

/// The admin protocol between the `snakepit` CLI and a running host: JSON
/// lines over a Unix socket. A request is one JSON object on one line with
/// a string field "op" plus op-specific fields; a reply is one JSON object
/// on one line, `{"ok":true, ...}` or `{"ok":false,"error":"text"}`.
///
///   -> {"op":"recycle","pool":"default"}
///   <- {"ok":true,"recycled":4}

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

namespace snakepit::admin {

/// Longest request or reply line, without its newline (1 MiB). A longer
/// request gets an error reply and its connection is closed; a longer reply
/// is replaced by an error reply.
inline constexpr std::size_t max_line_bytes = 1024 * 1024;

/// Answers one request: gets an object with a string "op" and returns the
/// whole reply, built with `ok_reply` or `error_reply`. May throw: the
/// exception's text becomes an error reply.
using request_handler = std::function<nlohmann::json(const nlohmann::json&)>;

/// `{"ok":true}` plus the fields of `fields` (an object; "ok" in it is
/// overwritten).
nlohmann::json ok_reply(nlohmann::json fields = nlohmann::json::object());

/// `{"ok":false,"error":text}`.
nlohmann::json error_reply(std::string text);

/// `value` as one line: compact JSON (which never holds a raw newline) and
/// '\n'. Invalid UTF-8 in strings is replaced rather than thrown about.
std::string to_line(const nlohmann::json& value);

/// The request on `line` (without its newline), or the text of an error
/// reply naming what is wrong: malformed JSON, not an object, "op" missing
/// or not a string.
std::variant<nlohmann::json, std::string> parse_request(std::string_view line);

/// The reply on `line` (without its newline), or what is wrong with it:
/// malformed JSON, not an object, "ok" missing or not a boolean.
std::variant<nlohmann::json, std::string> parse_reply(std::string_view line);

/// The reply line (with its newline) to the request on `line`: the
/// handler's reply, or an error reply when the request is malformed, the
/// handler throws, or its reply is not an object with a boolean "ok" or
/// exceeds `max_line_bytes`.
std::string answer(std::string_view line, const request_handler& handler);

/// The error reply line sent before closing a connection whose request
/// exceeds `max_line_bytes`.
std::string oversized_request_line();

} // namespace snakepit::admin
