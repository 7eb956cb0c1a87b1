#pragma once

/// "Did you mean ...?" for names users type: config keys, pool names,
/// tool names.

#include <optional>
#include <string_view>
#include <vector>

namespace snakepit {

/// Levenshtein distance: the fewest single-character insertions, deletions
/// and substitutions turning `a` into `b`.
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `typed` if it is close enough to be a typo (at
/// most 1 edit for short candidates, up to 3 for long ones); the first of
/// equally close candidates; nullopt when none is close.
std::optional<std::string_view>
closest_match(std::string_view typed,
              const std::vector<std::string_view>& candidates);

} // namespace snakepit
