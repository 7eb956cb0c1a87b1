#include "diagnostics/report.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "diagnostics/text.hpp"

namespace snakepit::diagnostics {

namespace {

/// Width of the text report.
constexpr std::size_t columns = 78;

/// Indentation of a finding's figures and advice.
const std::string indent = "    ";

/// True when `key` names a figure in bytes.
bool is_bytes(const std::string& key) {
  auto suffix = std::string{"_bytes"};
  return key.size() > suffix.size()
         && key.compare(key.size() - suffix.size(), suffix.size(), suffix)
              == 0;
}

/// A figure as text, bytes also in binary units: "33554432 (32 MiB)".
std::string show(const value& v) {
  struct visitor {
    const std::string& key;
    std::string operator()(int64_t x) const {
      auto text = std::to_string(x);
      if (is_bytes(key) && x >= 1024)
        text += " (" + format_bytes(static_cast<uint64_t>(x)) + ")";
      return text;
    }
    std::string operator()(double x) const {
      return format_number(x);
    }
    std::string operator()(bool x) const {
      return x ? "yes" : "no";
    }
    std::string operator()(const std::string& x) const {
      return x.empty() ? "-" : x;
    }
  };
  return std::visit(visitor{v.key}, v.data);
}

/// `text` wrapped to `columns`, the first line after `first`, the others
/// after `hang`. Text of several lines (a traceback) is kept as it is, each
/// line after `hang`.
std::string wrap(std::string text, const std::string& first,
                 const std::string& hang) {
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  if (text.find('\n') != std::string::npos) {
    std::string out = first;
    for (auto c : text)
      out += c == '\n' ? "\n" + hang : std::string(1, c);
    return out + "\n";
  }
  std::string out = first;
  auto width = first.size();
  std::istringstream words{text};
  std::string word;
  bool line_start = true;
  while (words >> word) {
    if (!line_start && width + 1 + word.size() > columns) {
      out += "\n" + hang;
      width = hang.size();
      line_start = true;
    }
    if (!line_start) {
      out += ' ';
      ++width;
    }
    out += word;
    width += word.size();
    line_start = false;
  }
  return out + "\n";
}

/// The machine line.
std::string machine_line(const machine_facts& m) {
  return std::to_string(m.cores) + " cores (" + std::to_string(m.affinity_cores)
         + " usable), " + m.kernel + ", " + format_bytes(m.memory_total_bytes)
         + " memory";
}

/// A figure as JSON; doubles rounded to 4 decimals so output is stable.
nlohmann::ordered_json to_json(const value& v) {
  struct visitor {
    nlohmann::ordered_json operator()(int64_t x) const {
      return x;
    }
    nlohmann::ordered_json operator()(double x) const {
      return std::round(x * 1e4) / 1e4;
    }
    nlohmann::ordered_json operator()(bool x) const {
      return x;
    }
    nlohmann::ordered_json operator()(const std::string& x) const {
      return x;
    }
  };
  return std::visit(visitor{}, v.data);
}

} // namespace

std::string render_text(const report& r) {
  std::string out = "snakepit diagnose: config " + r.config_source + "\n"
                    + "machine: " + machine_line(r.machine) + "\n";
  std::size_t name_width = 0;
  for (const auto& f : r.findings)
    name_width = std::max(name_width, f.name.size());
  int tally[3] = {0, 0, 0};
  for (const auto& f : r.findings) {
    ++tally[static_cast<int>(f.status)];
    auto head = f.name + std::string(name_width - f.name.size() + 2, ' ');
    auto st = to_string(f.status);
    head += st + std::string(10 - st.size(), ' ');
    out += "\n" + wrap(f.summary, head, std::string(head.size(), ' '));
    std::size_t key_width = 0;
    for (const auto& v : f.values)
      key_width = std::max(key_width, v.key.size());
    for (const auto& v : f.values) {
      auto key = indent + v.key + std::string(key_width - v.key.size() + 2,
                                              ' ');
      out += wrap(show(v), key, std::string(key.size(), ' '));
    }
    out += wrap(f.advice, indent + "advice: ", indent + "        ");
  }
  out += "\n" + std::to_string(tally[0]) + " ok, " + std::to_string(tally[1])
         + " warning, " + std::to_string(tally[2]) + " critical (in "
         + format_seconds(r.seconds) + ")\n";
  return out;
}

std::string render_json(const report& r) {
  nlohmann::ordered_json doc;
  doc["machine"] = {{"cores", r.machine.cores},
                    {"affinity_cores", r.machine.affinity_cores},
                    {"kernel", r.machine.kernel},
                    {"memory_total_bytes", r.machine.memory_total_bytes}};
  doc["config"] = r.config_source;
  doc["status"] = to_string(worst(r.findings));
  auto& findings = doc["findings"] = nlohmann::ordered_json::array();
  for (const auto& f : r.findings) {
    nlohmann::ordered_json values = nlohmann::ordered_json::object();
    for (const auto& v : f.values)
      values[v.key] = to_json(v);
    findings.push_back({{"name", f.name},
                        {"status", to_string(f.status)},
                        {"summary", f.summary},
                        {"values", std::move(values)},
                        {"advice", f.advice}});
  }
  doc["run_ids"] = r.run_ids;
  doc["seconds"] = std::round(r.seconds * 1e3) / 1e3;
  return doc.dump(2) + "\n";
}

} // namespace snakepit::diagnostics
