#pragma once

/// A single pass over JSON text that bounds its nesting before anything
/// recursive (a DOM, a serializer, Python's json module) touches it, and
/// finds the values of a top-level object without building a DOM. An
/// explicit state machine, no recursion: its stack use is the same for any
/// input. It follows strings and escapes but does not check the grammar
/// (see `prepare_arguments` in core/arguments.hpp, which does).

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace snakepit {

/// Nesting of `{}`/`[]` (a scalar is depth 0, `{}` and `[1]` depth 1,
/// `{"a": [1]}` depth 2) beyond which JSON is refused.
struct json_depth_overflow {
  /// Byte offset of the bracket that opened one level too many.
  std::size_t offset = 0;
  /// The limit that was exceeded.
  int max_depth = 0;
};

/// What one pass over a JSON text found.
struct json_scan {
  /// Set when the text nests deeper than allowed; the scan stops there.
  std::optional<json_depth_overflow> overflow;
  /// When the text is an object: the text of each member's value, in
  /// order, without surrounding whitespace. Meaningful only for valid JSON.
  std::vector<std::string_view> member_values;
};

/// Scans `text` once: stops at the first bracket deeper than `max_depth`,
/// else lists the values of a top-level object.
json_scan scan_json(std::string_view text, int max_depth);

} // namespace snakepit
