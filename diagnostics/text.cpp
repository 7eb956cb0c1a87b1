#include "diagnostics/text.hpp"

#include <cstdio>

namespace snakepit::diagnostics {

std::string format_number(double x, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, x);
  std::string out{buf};
  if (out.find('.') != std::string::npos) {
    out.erase(out.find_last_not_of('0') + 1);
    if (out.back() == '.')
      out.pop_back();
  }
  return out == "-0" ? "0" : out;
}

std::string format_bytes(uint64_t bytes) {
  static const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024)
    return std::to_string(bytes) + " B";
  auto value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  return format_number(value, 1) + " " + units[unit];
}

std::string format_seconds(double seconds) {
  if (seconds < 1)
    return format_number(seconds * 1000, 0) + " ms";
  return format_number(seconds, 2) + " s";
}

} // namespace snakepit::diagnostics
