#pragma once

/// Rendering a diagnosis: aligned text for people, stable JSON for tools
/// (fields documented in docs/operations.md).

#include <string>

#include "diagnostics/diagnose.hpp"

namespace snakepit::diagnostics {

/// The text report: the machine line, one block per finding (name, status,
/// summary, figures, advice wrapped at 78 columns) and a tally.
std::string render_text(const report& r);

/// The JSON report: one object with `machine`, `config`, `status`,
/// `findings` (each with `name`, `status`, `summary`, `values`, `advice`),
/// `run_ids` and `seconds`; keys in a fixed order, one trailing newline.
std::string render_json(const report& r);

} // namespace snakepit::diagnostics
