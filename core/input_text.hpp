#pragma once

/// Checks of the text fields of a request (command name, pool name,
/// session id) and the quoting of user input in error messages: an error
/// quotes at most a short, escaped prefix of what it refuses, so that a
/// 5 MB input never becomes a 5 MB message and invalid bytes never reach a
/// log or a terminal raw.

#include <cstddef>
#include <string>
#include <string_view>

namespace snakepit {

/// How much of an input an error message quotes, in bytes of the input.
inline constexpr std::size_t quoted_prefix_bytes = 64;

/// `text` as a double-quoted, escaped string of at most `max_bytes` of its
/// bytes: valid UTF-8 and printable ASCII are kept, `"` and `\` escaped,
/// control characters and invalid bytes written as `\xNN`; a longer text
/// is cut at a character boundary and followed by `... (N bytes)`.
std::string quote_prefix(std::string_view text,
                         std::size_t max_bytes = quoted_prefix_bytes);

/// Offset of the first byte of `text` that is not part of a well-formed
/// UTF-8 sequence (overlong forms, surrogates and values past U+10FFFF
/// are ill-formed); `text.size()` when all of it is valid.
std::size_t first_invalid_utf8(std::string_view text);

/// What a text field of a request may hold.
struct name_rules {
  /// Longest value, in bytes.
  std::size_t max_bytes = 256;
  /// Whether "" is allowed (it means a default, e.g. the default pool).
  bool allow_empty = false;
  /// Whether control characters (U+0000-U+001F, U+007F) are allowed.
  bool allow_control = false;
};

/// A request's session id: empty or at most 1024 bytes of UTF-8 (checked
/// by pools, and by pool groups and remote pools before they remember it).
inline constexpr name_rules session_rules{1024, true, true};

/// Checks `value` of the field `field` ("command", "pool", "session_id")
/// against `rules`: an empty string when it passes, else what is wrong,
/// naming the field and quoting a prefix of the value. Costs at most
/// `rules.max_bytes` steps, however long `value` is.
std::string check_name(std::string_view field, std::string_view value,
                       const name_rules& rules);

} // namespace snakepit
