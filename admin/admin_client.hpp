#pragma once

/// The CLI's side of the admin protocol: one request, one reply.
///
///   auto reply = admin::admin_call(run.admin_socket,
///                                  {{"op", "recycle"}, {"pool", "default"}},
///                                  std::chrono::seconds{10});

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <variant>

namespace snakepit::admin {

/// Connects to the admin endpoint at `socket_path`, sends `request` as one
/// line and reads one reply line, all within `timeout`. Returns the reply,
/// which may be an `{"ok":false,...}` refusal by the host, or, when no
/// reply came, the reason naming the socket path: nothing listening, a
/// timeout, the connection closed, a malformed or oversized reply.
std::variant<nlohmann::json, std::string>
admin_call(const std::string& socket_path, const nlohmann::json& request,
           std::chrono::milliseconds timeout);

} // namespace snakepit::admin
