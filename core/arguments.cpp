#include "core/arguments.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/input_text.hpp"
#include "core/json_scan.hpp"

namespace snakepit {

namespace {

using json = nlohmann::json;

/// Follows nlohmann's iterative parser: collects the keys of the top-level
/// object, notes the type of a top-level value that is not an object, and
/// keeps the parser's complaint without the (unbounded) last token.
class grammar_check final : public nlohmann::json_sax<json> {
public:
  std::vector<std::string> keys;
  /// The type of a top-level value that is not an object; empty if none.
  std::string not_an_object;
  /// Byte offset and reason of a syntax error; empty if none.
  std::size_t error_offset = 0;
  std::string error;

  bool null() override {
    return scalar("null");
  }
  bool boolean(bool) override {
    return scalar("boolean");
  }
  bool number_integer(number_integer_t) override {
    return scalar("number");
  }
  bool number_unsigned(number_unsigned_t) override {
    return scalar("number");
  }
  bool number_float(number_float_t, const string_t&) override {
    return scalar("number");
  }
  bool string(string_t&) override {
    return scalar("string");
  }
  bool binary(binary_t&) override {
    return scalar("binary");
  }
  bool start_object(std::size_t) override {
    ++depth_;
    return true;
  }
  bool key(string_t& name) override {
    if (depth_ == 1)
      keys.push_back(std::move(name));
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 0)
      return top_level("array");
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    error_offset = position;
    error = reason_of(ex.what());
    return false;
  }

private:
  bool scalar(const char* type) {
    return depth_ > 0 || top_level(type);
  }

  /// A top-level value that is not an object: stop the parse.
  bool top_level(const char* type) {
    not_an_object = type;
    return false;
  }

  /// "[json.exception.parse_error.101] parse error at line 1, column 2:
  /// syntax error while parsing object key - invalid literal; last read:
  /// '{n'; expected string literal" becomes "syntax error while parsing
  /// object key - invalid literal; expected string literal": the last
  /// token read may be as long as the input.
  static std::string reason_of(std::string_view what) {
    if (auto colon = what.find(": "); colon != std::string_view::npos)
      what.remove_prefix(colon + 2);
    auto last = what.find("; last read");
    if (last == std::string_view::npos)
      return std::string{what.substr(0, max_reason)};
    std::string out{what.substr(0, std::min(last, max_reason))};
    if (auto expected = what.rfind("; expected ");
        expected != std::string_view::npos && expected > last)
      out += what.substr(expected, max_reason);
    return out;
  }

  static constexpr std::size_t max_reason = 200;

  int depth_ = 0;
};

} // namespace

std::variant<json_arguments, std::string>
prepare_arguments(std::string_view args_json, int max_depth) {
  // A byte order mark: nlohmann's parser skips it, the scan must too.
  if (args_json.substr(0, 3) == "\xEF\xBB\xBF")
    args_json.remove_prefix(3);
  if (args_json.empty())
    return json_arguments{};
  auto scan = scan_json(args_json, max_depth);
  if (scan.overflow)
    return "arguments nest deeper than " + std::to_string(max_depth)
           + " levels (max_json_depth) at byte "
           + std::to_string(scan.overflow->offset) + "; they start with "
           + quote_prefix(args_json);
  grammar_check check;
  bool valid = json::sax_parse(args_json, &check);
  if (!check.not_an_object.empty())
    return "arguments must be a JSON object (e.g. {\"a\": 1}), got "
           + check.not_an_object;
  if (!valid)
    return "arguments are not valid JSON (byte "
           + std::to_string(check.error_offset) + ": " + check.error
           + "); they start with " + quote_prefix(args_json);
  if (scan.member_values.size() != check.keys.size())
    return "arguments could not be split into their top-level values; they "
           "start with "
           + quote_prefix(args_json);
  json_arguments out;
  out.reserve(check.keys.size());
  for (std::size_t i = 0; i < check.keys.size(); ++i)
    out.push_back(json_argument{std::move(check.keys[i]),
                                std::string{scan.member_values[i]}});
  return out;
}

} // namespace snakepit
