#pragma once

/// Carrying a `failure` inside a `caf::error`, for exit reasons: a worker
/// that cannot start quits with its failure, and the supervisor that gives
/// up escalates with it, so the pool can report the Python traceback.

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <snakepit/failure.hpp>

namespace snakepit {

/// Error category of Snakepit's errors inside CAF.
constexpr caf::atom_value error_category = caf::atom("snakepit");

/// Wraps a failure into a `caf::error` of category `error_category`.
caf::error to_caf_error(const failure& f);

/// Reads a failure back out of a `caf::error`. Errors of other categories
/// become `error_code::internal` with CAF's rendering as the message.
failure from_caf_error(const caf::error& err);

/// True when `reason` is not a failure: no error, or a normal shutdown.
bool is_normal_exit(const caf::error& reason);

} // namespace snakepit
