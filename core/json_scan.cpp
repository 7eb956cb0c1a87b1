#include "core/json_scan.hpp"

namespace snakepit {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// Tracks the members of the top-level object while the scan runs: a value
/// starts at the first non-space byte after a ':' at depth 1 and ends at
/// the ',' or '}' at depth 1 that follows it.
class member_tracker {
public:
  member_tracker(std::string_view text, std::vector<std::string_view>& out)
    : text_(text), out_(out) {
    // nop
  }

  /// A byte at depth 1 (inside the top-level object, outside any nested
  /// value) or the start of a nested value or string at depth 1.
  void value_byte(std::size_t i) {
    if (in_value_ && !started_ && !is_space(text_[i])) {
      started_ = true;
      begin_ = i;
    }
  }

  /// ':' at depth 1.
  void colon() {
    in_value_ = true;
    started_ = false;
  }

  /// ',' or the closing '}' at depth 1.
  void end_member(std::size_t i) {
    if (in_value_ && started_) {
      auto end = i;
      while (end > begin_ && is_space(text_[end - 1]))
        --end;
      out_.push_back(text_.substr(begin_, end - begin_));
    }
    in_value_ = false;
  }

private:
  std::string_view text_;
  std::vector<std::string_view>& out_;
  bool in_value_ = false;
  bool started_ = false;
  std::size_t begin_ = 0;
};

} // namespace

json_scan scan_json(std::string_view text, int max_depth) {
  json_scan out;
  std::size_t first = 0;
  while (first < text.size() && is_space(text[first]))
    ++first;
  bool object = first < text.size() && text[first] == '{';
  member_tracker members{text, out.member_values};
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = first; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    bool top_member = object && depth == 1;
    switch (c) {
      case '"':
        in_string = true;
        if (top_member)
          members.value_byte(i);
        break;
      case '{':
      case '[':
        if (top_member)
          members.value_byte(i);
        if (++depth > max_depth) {
          out.overflow = json_depth_overflow{i, max_depth};
          out.member_values.clear();
          return out;
        }
        break;
      case '}':
      case ']':
        if (top_member)
          members.end_member(i);
        if (depth > 0)
          --depth;
        break;
      case ':':
        if (top_member)
          members.colon();
        break;
      case ',':
        if (top_member)
          members.end_member(i);
        break;
      default:
        if (top_member)
          members.value_byte(i);
    }
  }
  return out;
}

} // namespace snakepit
