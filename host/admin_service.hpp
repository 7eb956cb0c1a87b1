#pragma once

/// What a running host answers on its admin socket (see admin/): the
/// operations of the `snakepit` CLI against a live host.
///
///   {"op":"inspect"[,"pool":"P"][,"recommendations":true]}
///                                                    -> {"ok":true,"pools":[...]}
///   {"op":"recycle","pool":"default"}                -> {"ok":true,"workers":[...]}
///   {"op":"recycle","pool":"default","worker":"default/w3"}
///   {"op":"restart","pool":"default"}
///       -> {"ok":true,"pool":"default","restarted":true,
///           "previous_failure":"pool default failed: ..."}
///
/// The handler runs on the admin endpoint's own thread and waits there for
/// the pools' answers (never on a CAF scheduler thread).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include <snakepit/client.hpp>

#include "admin/admin_protocol.hpp"

namespace snakepit {

/// The admin request handler of a host whose pools are `pools`, reached
/// through `c` (which must outlive the handler).
admin::request_handler make_admin_handler(client& c,
                                          std::vector<std::string> pools);

} // namespace snakepit
