#pragma once

/// The host's side of the admin protocol: a Unix socket, normally
/// `<run directory>/admin.sock`, served by one thread of its own.
///
///   auto started = admin::admin_endpoint::start(
///     admin::admin_socket_path(run.path()), [&](const nlohmann::json& req) {
///       return admin::error_reply("unknown op " + req["op"].dump());
///     });
///   if (auto* error = std::get_if<std::string>(&started))
///     spdlog::error("{}", *error);
///
/// Security rests on the socket's place: the run directory is mode 0700 and
/// the socket itself 0600, so only the host's user can connect. Nothing
/// listens on a network interface.

#include "admin/admin_protocol.hpp"

#include <memory>
#include <string>
#include <variant>

namespace snakepit::admin {

/// A running admin endpoint. Connections may be open at once; each has its
/// requests answered in order, one line each.
///
/// Every request on every connection is answered on the endpoint's single
/// thread, so one slow request delays the others. That is acceptable
/// because admin traffic is rare and comes from a person at a shell, and it
/// keeps handlers free of locking among themselves; it is no CAF scheduler
/// thread, so a handler may block briefly, e.g. waiting on an actor with a
/// timeout.
class admin_endpoint {
public:
  /// Answers one request; called on the endpoint's thread (see
  /// `request_handler`).
  using handler = request_handler;

  /// Creates the socket at `socket_path` (replacing a stale socket left
  /// there, refusing any other kind of file), sets it to mode 0600 and
  /// starts serving. Returns the error, naming the path, on failure.
  static std::variant<std::unique_ptr<admin_endpoint>, std::string>
  start(std::string socket_path, handler h);

  admin_endpoint(const admin_endpoint&) = delete;
  admin_endpoint& operator=(const admin_endpoint&) = delete;

  /// Calls `stop()`.
  ~admin_endpoint();

  /// Closes the listener and every connection, joins the thread (after a
  /// handler still running returns) and removes the socket file.
  /// Idempotent. Never call it from a handler: it would wait for itself.
  void stop();

  /// Where the endpoint listens.
  const std::string& socket_path() const;

private:
  struct impl;

  explicit admin_endpoint(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace snakepit::admin
