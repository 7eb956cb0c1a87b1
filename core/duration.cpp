#include "core/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace snakepit {

namespace {

using std::chrono::milliseconds;

struct unit {
  std::string_view suffix;
  int64_t ms;
};

// "ms" comes before "m" so the longer suffix wins.
constexpr std::array<unit, 4> units{{
  {"h", 3'600'000},
  {"ms", 1},
  {"m", 60'000},
  {"s", 1'000},
}};

// Largest finite result; milliseconds::max() itself means "infinity".
constexpr int64_t max_finite = std::numeric_limits<int64_t>::max() - 1;

// Fraction digits beyond this cannot matter: no unit exceeds 3.6e6 ms.
constexpr int64_t max_scale = 1'000'000'000'000;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

std::optional<milliseconds> parse_duration(std::string_view text,
                                           bool allow_infinity) {
  if (text == "infinity") {
    if (allow_infinity)
      return milliseconds::max();
    return std::nullopt;
  }
  if (text.empty())
    return std::nullopt;
  int64_t total = 0;
  int64_t previous_unit = std::numeric_limits<int64_t>::max();
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    int64_t whole = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (whole > max_finite / 10)
        return std::nullopt;
      whole = whole * 10 + (text[i] - '0');
    }
    if (i == start)
      return std::nullopt;
    int64_t frac = 0;
    int64_t scale = 1;
    if (i < text.size() && text[i] == '.') {
      size_t frac_start = ++i;
      for (; i < text.size() && is_digit(text[i]); ++i) {
        if (scale < max_scale) {
          frac = frac * 10 + (text[i] - '0');
          scale *= 10;
        } else if (text[i] != '0') {
          return std::nullopt;
        }
      }
      if (i == frac_start)
        return std::nullopt;
    }
    const unit* found = nullptr;
    for (const auto& u : units) {
      if (text.substr(i, u.suffix.size()) == u.suffix) {
        found = &u;
        break;
      }
    }
    // Units must strictly decrease: "1m30s", never "30s1m" or "1s2s".
    if (found == nullptr || found->ms >= previous_unit)
      return std::nullopt;
    i += found->suffix.size();
    previous_unit = found->ms;
    if ((frac * found->ms) % scale != 0)
      return std::nullopt; // finer than a millisecond
    if (whole > (max_finite - total) / found->ms)
      return std::nullopt;
    total += whole * found->ms;
    int64_t part = frac * found->ms / scale;
    if (part > max_finite - total)
      return std::nullopt;
    total += part;
  }
  return milliseconds{total};
}

std::string format_duration(milliseconds d) {
  if (d == milliseconds::max())
    return "infinity";
  if (d == milliseconds::min())
    return "-infinity";
  if (d.count() < 0)
    return "-" + format_duration(-d);
  if (d.count() == 0)
    return "0s";
  int64_t rest = d.count();
  int64_t hours = rest / 3'600'000;
  rest %= 3'600'000;
  int64_t minutes = rest / 60'000;
  rest %= 60'000;
  int64_t seconds = rest / 1'000;
  int64_t millis = rest % 1'000;
  std::string out;
  if (hours > 0)
    out += std::to_string(hours) + "h";
  if (minutes > 0)
    out += std::to_string(minutes) + "m";
  if (millis > 0 && out.empty() && seconds == 0)
    return std::to_string(millis) + "ms";
  if (seconds > 0 || millis > 0) {
    out += std::to_string(seconds);
    if (millis > 0) {
      std::string digits = std::to_string(millis + 1000).substr(1);
      while (digits.back() == '0')
        digits.pop_back();
      out += "." + digits;
    }
    out += "s";
  }
  return out;
}

} // namespace snakepit
