#pragma once

/// The arguments of a tool call, checked and split into one JSON text per
/// top-level key (the form the wire carries, see bridge/json_values.hpp).
/// Nothing here recurses: the depth is bounded by `scan_json` before the
/// grammar is checked by an iterative parser, and values are cut out of the
/// text as they are, never parsed into a tree and printed back.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace snakepit {

/// One argument: its name and the JSON text of its value.
struct json_argument {
  std::string name;
  std::string json;
};

/// The arguments of one call, in the order of the request's text.
using json_arguments = std::vector<json_argument>;

/// Checks that `args_json` is a JSON object (or empty: no arguments) that
/// nests at most `max_depth` levels, and splits it into arguments. On
/// failure returns what is wrong (for `invalid_arguments`), with the byte
/// offset and at most a short prefix of the input.
std::variant<json_arguments, std::string>
prepare_arguments(std::string_view args_json, int max_depth);

} // namespace snakepit
