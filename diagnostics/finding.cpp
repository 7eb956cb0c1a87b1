#include "diagnostics/finding.hpp"

#include <algorithm>

namespace snakepit::diagnostics {

std::string to_string(status s) {
  switch (s) {
    case status::ok:
      return "ok";
    case status::warning:
      return "warning";
    case status::critical:
      return "critical";
  }
  return "unknown";
}

finding& finding::add(std::string key,
                      std::variant<int64_t, double, bool, std::string> data) {
  values.push_back(value{std::move(key), std::move(data)});
  return *this;
}

const value* finding::find(const std::string& key) const {
  auto it = std::find_if(values.begin(), values.end(),
                         [&key](const value& v) { return v.key == key; });
  return it == values.end() ? nullptr : &*it;
}

status worst(const std::vector<finding>& findings) {
  auto out = status::ok;
  for (const auto& f : findings)
    out = std::max(out, f.status);
  return out;
}

} // namespace snakepit::diagnostics
