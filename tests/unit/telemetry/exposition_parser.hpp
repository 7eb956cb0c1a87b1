#pragma once

// A strict, test-only parser of the Prometheus text exposition format
// (0.0.4). It validates every line and collects the samples, so tests can
// check both that the output is well formed and what it says.

#include <algorithm>
#include <cctype>
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace exposition {

using label_map = std::map<std::string, std::string>;

struct sample {
  std::string name;
  label_map labels;
  double value = 0;
};

struct document {
  std::vector<sample> samples;
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> help;
  std::vector<std::string> errors;

  bool ok() const {
    return errors.empty();
  }

  // The value of the sample `name` with exactly `labels`.
  std::optional<double> value(const std::string& name,
                              const label_map& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels)
        return s.value;
    return std::nullopt;
  }

  // Sum of the samples `name` whose labels include `subset`.
  double sum(const std::string& name, const label_map& subset = {}) const {
    double out = 0;
    for (const auto& s : samples)
      if (s.name == name
          && std::all_of(subset.begin(), subset.end(), [&](const auto& kv) {
               auto i = s.labels.find(kv.first);
               return i != s.labels.end() && i->second == kv.second;
             }))
        out += s.value;
    return out;
  }

  std::string error_text() const {
    std::string out;
    for (const auto& e : errors)
      out += e + "\n";
    return out;
  }
};

namespace detail {

inline bool is_metric_name(std::string_view x) {
  if (x.empty() || std::isdigit(static_cast<unsigned char>(x[0])))
    return false;
  return std::all_of(x.begin(), x.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  });
}

inline bool is_label_name(std::string_view x) {
  if (x.empty() || std::isdigit(static_cast<unsigned char>(x[0])))
    return false;
  return std::all_of(x.begin(), x.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

inline std::optional<double> parse_value(const std::string& x) {
  if (x == "+Inf")
    return HUGE_VAL;
  if (x == "-Inf")
    return -HUGE_VAL;
  if (x == "NaN")
    return std::nan("");
  if (x.empty())
    return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(x.c_str(), &end);
  if (end != x.c_str() + x.size())
    return std::nullopt;
  return v;
}

inline bool ends_with(std::string_view x, std::string_view suffix) {
  return x.size() >= suffix.size()
         && x.substr(x.size() - suffix.size()) == suffix;
}

// Parses `name{labels} value [timestamp]`; returns an error or "".
inline std::string parse_sample(std::string_view line, sample& out) {
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ')
    ++i;
  out.name = std::string{line.substr(0, i)};
  if (!is_metric_name(out.name))
    return "bad metric name";
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      auto eq = line.find('=', i);
      if (eq == std::string_view::npos)
        return "label without '='";
      auto key = std::string{line.substr(i, eq - i)};
      if (!is_label_name(key))
        return "bad label name '" + key + "'";
      i = eq + 1;
      if (i >= line.size() || line[i] != '"')
        return "label value not quoted";
      ++i;
      std::string value;
      bool closed = false;
      while (i < line.size()) {
        char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\n')
          return "raw newline in label value";
        if (c == '\\') {
          if (i >= line.size())
            return "dangling escape";
          char e = line[i++];
          if (e == '\\')
            value += '\\';
          else if (e == '"')
            value += '"';
          else if (e == 'n')
            value += '\n';
          else
            return std::string{"bad escape \\"} + e;
        } else {
          value += c;
        }
      }
      if (!closed)
        return "unterminated label value";
      if (!out.labels.emplace(key, value).second)
        return "duplicate label '" + key + "'";
      if (i < line.size() && line[i] == ',')
        ++i;
      else if (i >= line.size() || line[i] != '}')
        return "expected ',' or '}' after a label";
    }
  }
  if (i >= line.size() || line[i] != ' ')
    return "expected one space before the value";
  ++i;
  auto rest = line.substr(i);
  auto sp = rest.find(' ');
  auto value = parse_value(std::string{rest.substr(0, sp)});
  if (!value)
    return "bad value '" + std::string{rest.substr(0, sp)} + "'";
  out.value = *value;
  if (sp != std::string_view::npos) {
    auto ts = rest.substr(sp + 1);
    if (ts.empty() || !std::all_of(ts.begin(), ts.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) || c == '-';
        }))
      return "bad timestamp";
  }
  return "";
}

// The family a sample belongs to, given the declared types.
inline std::string family_of(const std::string& name,
                             const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    if (ends_with(name, suffix)) {
      auto base = name.substr(0, name.size() - std::string_view{suffix}.size());
      auto i = types.find(base);
      if (i != types.end()
          && (i->second == "histogram" || i->second == "summary"))
        return base;
    }
  }
  return name;
}

inline void check_histograms(document& doc) {
  struct series {
    std::vector<std::pair<double, double>> buckets; // le, cumulative count
    std::optional<double> count;
    std::optional<double> sum;
  };
  std::map<std::pair<std::string, label_map>, series> all;
  for (const auto& s : doc.samples) {
    auto family = family_of(s.name, doc.types);
    auto t = doc.types.find(family);
    if (t == doc.types.end() || t->second != "histogram")
      continue;
    auto labels = s.labels;
    auto le = labels.find("le");
    std::optional<double> bound;
    if (le != labels.end()) {
      bound = parse_value(le->second);
      labels.erase(le);
    }
    auto& x = all[{family, labels}];
    if (s.name == family + "_bucket") {
      if (!bound)
        doc.errors.push_back(s.name + ": bucket without a valid le");
      else
        x.buckets.emplace_back(*bound, s.value);
    } else if (s.name == family + "_count") {
      x.count = s.value;
    } else if (s.name == family + "_sum") {
      x.sum = s.value;
    } else {
      doc.errors.push_back(s.name + ": stray sample in histogram " + family);
    }
  }
  for (auto& [key, x] : all) {
    const auto& name = key.first;
    if (x.buckets.empty() || !std::isinf(x.buckets.back().first))
      doc.errors.push_back(name + ": last bucket is not le=\"+Inf\"");
    for (std::size_t i = 1; i < x.buckets.size(); ++i) {
      if (x.buckets[i].first <= x.buckets[i - 1].first)
        doc.errors.push_back(name + ": le not ascending");
      if (x.buckets[i].second < x.buckets[i - 1].second)
        doc.errors.push_back(name + ": buckets not cumulative");
    }
    if (!x.count || !x.sum)
      doc.errors.push_back(name + ": missing _count or _sum");
    else if (!x.buckets.empty() && x.buckets.back().second != *x.count)
      doc.errors.push_back(name + ": +Inf bucket differs from _count");
  }
}

} // namespace detail

// Parses and validates `text`; problems land in `errors`, one per finding,
// with the line number.
inline document parse(std::string_view text) {
  static const std::set<std::string> known_types{"counter", "gauge",
                                                 "histogram", "summary",
                                                 "untyped"};
  document doc;
  if (!text.empty() && text.back() != '\n')
    doc.errors.push_back("text does not end with a newline");
  std::set<std::string> finished; // families whose group of lines ended
  std::string current;            // family of the previous line
  std::set<std::pair<std::string, label_map>> seen;
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    auto fail = [&](const std::string& what) {
      doc.errors.push_back("line " + std::to_string(number) + ": " + what
                           + ": " + std::string{line});
    };
    if (line.empty()) {
      fail("empty line");
      continue;
    }
    std::string family;
    if (line[0] == '#') {
      auto rest = line.substr(1);
      bool help = rest.rfind(" HELP ", 0) == 0;
      bool type = rest.rfind(" TYPE ", 0) == 0;
      if (!help && !type)
        continue; // a plain comment
      rest = rest.substr(6);
      auto sp = rest.find(' ');
      family = std::string{rest.substr(0, sp)};
      auto arg = sp == std::string_view::npos ? std::string_view{}
                                              : rest.substr(sp + 1);
      if (!detail::is_metric_name(family)) {
        fail("bad metric name");
        continue;
      }
      if (help) {
        if (!doc.help.emplace(family, std::string{arg}).second)
          fail("second HELP for " + family);
      } else {
        if (!known_types.count(std::string{arg}))
          fail("unknown type");
        else if (doc.types.count(family))
          fail("second TYPE for " + family);
        else {
          bool has_samples = std::any_of(
            doc.samples.begin(), doc.samples.end(),
            [&](const sample& s) { return s.name == family; });
          if (has_samples)
            fail("TYPE after samples of " + family);
          doc.types.emplace(family, std::string{arg});
        }
      }
    } else {
      sample s;
      auto err = detail::parse_sample(line, s);
      if (!err.empty()) {
        fail(err);
        continue;
      }
      family = detail::family_of(s.name, doc.types);
      auto t = doc.types.find(family);
      if (t == doc.types.end())
        fail("sample without a TYPE line before it");
      else if (t->second == "counter"
               && (!detail::ends_with(family, "_total") || s.value < 0))
        fail("counter not named *_total or negative");
      if (s.labels.count("le") && s.name != family + "_bucket")
        fail("le label outside a histogram bucket");
      if (!seen.emplace(s.name, s.labels).second)
        fail("duplicate series");
      doc.samples.push_back(std::move(s));
    }
    if (family != current) {
      if (finished.count(family))
        fail("lines of " + family + " are not in one group");
      if (!current.empty())
        finished.insert(current);
      current = family;
    }
  }
  detail::check_histograms(doc);
  return doc;
}

} // namespace exposition
