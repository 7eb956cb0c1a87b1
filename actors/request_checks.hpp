#pragma once

/// Internal to the pool actor and the client: the checks a request passes
/// before it reaches a worker. Plain functions without CAF. Those of
/// `check_request_fields` cost the same for any request; `prepare_call`
/// costs in proportion to the arguments, and the pool runs it off its own
/// path for large ones (see actors/argument_checker.hpp).

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include <snakepit/config.hpp>
#include <snakepit/failure.hpp>
#include <snakepit/requests.hpp>

#include "core/input_text.hpp"

namespace snakepit::detail {

/// A request's command: 1-256 bytes of UTF-8, no control characters.
inline constexpr name_rules command_rules{256, false, false};

/// A request's pool: empty (the default pool) or at most 64 bytes (the
/// longest pool name) of UTF-8, no control characters.
inline constexpr name_rules pool_rules{64, true, false};

/// The name of a binary argument: 1-256 bytes of UTF-8, no control
/// characters.
inline constexpr name_rules binary_arg_rules{256, false, false};

/// Arguments up to this many bytes are checked on the pool actor itself:
/// their cost is bounded and smaller than handing them to another actor.
inline constexpr std::size_t inline_check_bytes = 4096;

/// Checks the command, pool and session id of `req`, and that it names the
/// pool `pool_name` that received it (or none). Returns an
/// `invalid_arguments` failure naming the field, or nullopt.
std::optional<failure> check_request_fields(const execute_request& req,
                                            const std::string& pool_name);

/// The bytes of all binary arguments of `req`.
std::size_t binary_arg_bytes(const execute_request& req);

/// `command` when it passes `command_rules`, else "(invalid)": the name
/// under which a refused request is reported to telemetry (a metrics
/// label must never carry arbitrary bytes).
std::string command_label(const std::string& command);

/// Checks the arguments of `req` against the limits of `cfg`
/// (`max_json_depth`, `max_request_bytes`), checks that no binary argument
/// has a bad name or the name of a JSON one, and encodes the call for the
/// wire (bridge/json_values.hpp), as a stream when `stream`; else an
/// `invalid_arguments` failure saying what is wrong.
std::variant<std::string, failure> prepare_call(const execute_request& req,
                                                const pool_config& cfg,
                                                bool stream = false);

} // namespace snakepit::detail
