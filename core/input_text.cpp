#include "core/input_text.hpp"

namespace snakepit {

namespace {

/// Length of the well-formed UTF-8 sequence at `text[i]`, 0 if there is
/// none (RFC 3629, table 3-7 of the Unicode standard).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  auto lead = byte(i);
  if (lead < 0x80)
    return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0)
      lo = 0xA0; // no overlong forms
    else if (lead == 0xED)
      hi = 0x9F; // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0)
      lo = 0x90; // no overlong forms
    else if (lead == 0xF4)
      hi = 0x8F; // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < len)
    return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi)
    return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF)
      return 0;
  return len;
}

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}

void append_hex(std::string& out, unsigned char c) {
  constexpr const char* digits = "0123456789abcdef";
  out += "\\x";
  out += digits[c >> 4];
  out += digits[c & 0xF];
}

} // namespace

std::size_t first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto len = utf8_sequence(text, i);
    if (len == 0)
      return i;
    i += len;
  }
  return text.size();
}

std::string quote_prefix(std::string_view text, std::size_t max_bytes) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < text.size()) {
    auto len = utf8_sequence(text, i);
    if (i + (len == 0 ? 1 : len) > max_bytes)
      break;
    auto c = static_cast<unsigned char>(text[i]);
    if (len == 0 || (len == 1 && is_control(c))) {
      append_hex(out, c);
      ++i;
      continue;
    }
    if (c == '"' || c == '\\')
      out += '\\';
    out.append(text.substr(i, len));
    i += len;
  }
  out += '"';
  if (i < text.size())
    out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string check_name(std::string_view field, std::string_view value,
                       const name_rules& rules) {
  std::string name{field};
  if (value.empty())
    return rules.allow_empty ? std::string{} : name + " must not be empty";
  if (value.size() > rules.max_bytes)
    return name + " is " + std::to_string(value.size())
           + " bytes long, more than the limit of "
           + std::to_string(rules.max_bytes) + ": " + quote_prefix(value);
  if (auto bad = first_invalid_utf8(value); bad < value.size())
    return name + " is not valid UTF-8 (byte " + std::to_string(bad)
           + "): " + quote_prefix(value);
  if (!rules.allow_control)
    for (std::size_t i = 0; i < value.size(); ++i)
      if (is_control(static_cast<unsigned char>(value[i])))
        return name + " contains a control character (byte "
               + std::to_string(i) + "): " + quote_prefix(value);
  return {};
}

} // namespace snakepit
