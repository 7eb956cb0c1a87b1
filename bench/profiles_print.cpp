// snakepit_profiles: the comparison's tables, printed and recorded as JSON
// in the same pass so that both say the same.

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iostream>

#include "bench/profiles.hpp"

namespace snakepit::bench {

namespace {

using process::memory_kib;

double mib(double kib) {
  return kib / 1024.0;
}

/// The median of one field of a list of memory readings, MiB.
double median_mib(const std::vector<memory_kib>& v,
                  const std::function<long(const memory_kib&)>& field) {
  std::vector<double> values;
  for (const auto& m : v)
    values.push_back(mib(static_cast<double>(field(m))));
  return median(values);
}

/// The memory fields, in the order of the table's columns.
const std::vector<std::pair<const char*, std::function<long(const memory_kib&)>>>
  memory_fields{{"pss", [](const memory_kib& m) { return m.pss; }},
                {"uss", [](const memory_kib& m) { return m.uss; }},
                {"dirty", [](const memory_kib& m) { return m.dirty; }},
                {"rss", [](const memory_kib& m) { return m.rss; }}};

/// The medians of every memory field, MiB, keyed "pss_mib" etc.
json memory_json(const std::vector<memory_kib>& v) {
  json out;
  for (const auto& [name, field] : memory_fields)
    out[std::string{name} + "_mib"] = median_mib(v, field);
  return out;
}

/// "B" of "B thread 1x4".
std::string letter(const profile_setup& s) {
  return s.label.substr(0, 1);
}

json setup_json(const profile_setup& s) {
  return {{"label", s.label},
          {"letter", letter(s)},
          {"profile", to_string(s.profile)},
          {"workers", s.workers},
          {"threads", s.threads}};
}

} // namespace

void print_memory(const std::vector<profile_setup>& setups,
                  const std::vector<profile_results>& res, json& out) {
  std::cout << "\n## Memory of the pool's Python processes (sum over the "
               "processes, MiB, median over the rounds)\n\n";
  const char* heading = "{:<18} {:>5} | {:>6} {:>6} {:>6} {:>6} | {:>6} "
                        "{:>6} {:>6} {:>6}\n";
  std::cout << fmt::format(heading, "", "", "idle", "", "", "", "load", "", "",
                           "");
  std::cout << fmt::format(heading, "config", "procs", "Pss", "USS", "Dirty",
                           "Rss", "Pss", "USS", "Dirty", "Rss");
  out = json::array();
  for (size_t i = 0; i < setups.size(); ++i) {
    const auto& r = res[i];
    std::cout << fmt::format("{:<18} {:>5} |", setups[i].label,
                             setups[i].workers);
    for (const auto* v : {&r.idle, &r.loaded}) {
      for (const auto& [name, field] : memory_fields)
        std::cout << fmt::format(" {:>6.1f}", median_mib(*v, field));
      std::cout << (v == &r.idle ? " |" : "\n");
    }
    auto row = setup_json(setups[i]);
    row["idle"] = memory_json(r.idle);
    row["load"] = memory_json(r.loaded);
    out.push_back(std::move(row));
  }
  std::cout << '\n';
  const auto& a = res.front();
  auto pss = memory_fields[0].second;
  auto uss = memory_fields[1].second;
  auto dirty = memory_fields[2].second;
  for (size_t i = 1; i < setups.size(); ++i) {
    const auto& t = res[i];
    std::cout << fmt::format(
      "{} / {}: Pss idle {} load {}, USS idle {} load {}, Dirty idle {} "
      "load {}; {} / {}: Pss idle {} load {}\n",
      letter(setups[i]), letter(setups.front()),
      ratio_text(median_mib(t.idle, pss), median_mib(a.idle, pss)),
      ratio_text(median_mib(t.loaded, pss), median_mib(a.loaded, pss)),
      ratio_text(median_mib(t.idle, uss), median_mib(a.idle, uss)),
      ratio_text(median_mib(t.loaded, uss), median_mib(a.loaded, uss)),
      ratio_text(median_mib(t.idle, dirty), median_mib(a.idle, dirty)),
      ratio_text(median_mib(t.loaded, dirty), median_mib(a.loaded, dirty)),
      letter(setups.front()), letter(setups[i]),
      ratio_text(median_mib(a.idle, pss), median_mib(t.idle, pss)),
      ratio_text(median_mib(a.loaded, pss), median_mib(t.loaded, pss)));
  }
}

void print_startup(const std::vector<profile_setup>& setups,
                   const std::vector<profile_results>& res, json& out) {
  std::cout << "\n## Start-up, host::start until every worker is ready "
               "(ms)\n\n";
  std::cout << fmt::format("{:<18} {:>5} {:>9} {:>9} {:>9} {:>8}\n", "config",
                           "runs", "median", "min", "max", "vs A");
  auto a = median(res.front().startup_ms);
  out = json::array();
  for (size_t i = 0; i < setups.size(); ++i) {
    const auto& v = res[i].startup_ms;
    if (v.empty())
      continue;
    auto lo = *std::min_element(v.begin(), v.end());
    auto hi = *std::max_element(v.begin(), v.end());
    std::cout << fmt::format("{:<18} {:>5} {:>9.1f} {:>9.1f} {:>9.1f} {:>8}\n",
                             setups[i].label, v.size(), median(v), lo, hi,
                             ratio_text(median(v), a));
    auto row = setup_json(setups[i]);
    row.update(json{{"median_ms", median(v)},
                    {"min_ms", lo},
                    {"max_ms", hi},
                    {"runs_ms", v},
                    {"vs_a", ratio_json(median(v), a)}});
    out.push_back(std::move(row));
  }
}

void print_load(const std::vector<profile_setup>& setups,
                const std::vector<workload>& loads,
                const std::vector<profile_results>& res,
                const profiles_options& opts, json& out) {
  out = json::array();
  for (size_t w = 0; w < loads.size(); ++w) {
    const auto& wl = loads[w];
    bool work = wl.command == "cpu_burn";
    std::cout << fmt::format("\n## {} {} ({}): {} callers x {} requests, "
                             "medians over the rounds\n\n",
                             wl.command, wl.args, wl.what, opts.slots,
                             wl.requests);
    std::cout << fmt::format(
      "{:<18} {:>8} {:>8} {:>8} {:>11} {:>7} {:>7} {:>8}{}\n", "config",
      "calls/s", "p50 ms", "p99 ms", "p50 range", "tput/A", "p50/A",
      "py cores", work ? "    Mit/s   work/A  Mit/CPU-s" : "");
    const auto& a = res.front().load[w];
    auto a_work = median(res.front().iterations_per_s[w]);
    json section{{"tool", wl.command},
                 {"args", json::parse(wl.args)},
                 {"callers", opts.slots},
                 {"requests_per_caller", wl.requests},
                 {"configs", json::array()}};
    for (size_t i = 0; i < setups.size(); ++i) {
      const auto& s = res[i].load[w];
      auto it = median(res[i].iterations_per_s[w]);
      auto cores = median(res[i].python_cores[w]);
      auto it_cpu = median(res[i].iterations_per_cpu_s[w]);
      std::cout << fmt::format(
        "{:<18} {:>8.1f} {:>8.2f} {:>8.2f} {:>11} {:>7} {:>7} {:>8.2f}{}\n",
        setups[i].label, s.median_calls_per_s(), s.median_p50() / 1000,
        s.median_p99() / 1000,
        fmt::format("{:.1f}..{:.1f}", s.min_p50() / 1000,
                    s.max_p50() / 1000),
        ratio_text(s.median_calls_per_s(), a.median_calls_per_s()),
        ratio_text(s.median_p50(), a.median_p50()), cores,
        work ? fmt::format(" {:>8.2f} {:>8} {:>10.2f}", it / 1e6,
                           ratio_text(it, a_work), it_cpu / 1e6)
             : std::string{});
      auto row = setup_json(setups[i]);
      row["load"] = to_json(s);
      row["calls_per_s_vs_a"] = ratio_json(s.median_calls_per_s(),
                                           a.median_calls_per_s());
      row["p50_vs_a"] = ratio_json(s.median_p50(), a.median_p50());
      row["python_cores"] = cores;
      if (work) {
        row["work_mit_per_s"] = it / 1e6;
        row["work_vs_a"] = ratio_json(it, a_work);
        row["work_mit_per_cpu_s"] = it_cpu / 1e6;
      }
      section["configs"].push_back(std::move(row));
    }
    auto one = median(res.front().one_caller_iterations_per_s);
    if (work && one > 0) {
      std::cout << fmt::format(
        "(one caller alone on A, i.e. about one core: {:.2f} Mit/s; in "
        "those units the work rates are", one / 1e6);
      for (size_t i = 0; i < setups.size(); ++i)
        std::cout << fmt::format(" {} {:.2f}", letter(setups[i]),
                                 median(res[i].iterations_per_s[w]) / one);
      std::cout << ")\n";
      section["one_caller_mit_per_s"] = one / 1e6;
    }
    if (wl.command == "sleep") {
      auto ideal = opts.slots * 1000.0 / opts.sleep_ms;
      std::cout << fmt::format("(ideal with {} slots: {:.1f} calls/s)\n",
                               opts.slots, ideal);
      section["ideal_calls_per_s"] = ideal;
    }
    out.push_back(std::move(section));
  }
}

void print_spread(const std::vector<profile_setup>& setups,
                  const std::vector<workload>& loads,
                  const std::vector<profile_results>& res) {
  std::cout << "\nRequests per worker process in the last round:\n";
  for (size_t i = 0; i < setups.size(); ++i) {
    std::cout << "  " << setups[i].label << ":";
    for (size_t w = 0; w < loads.size(); ++w) {
      std::cout << " " << loads[w].command << " [";
      bool first = true;
      for (const auto& [worker, n] : res[i].spread[w]) {
        std::cout << (first ? "" : " ") << n;
        first = false;
      }
      std::cout << "]";
    }
    std::cout << '\n';
  }
}

void print_summary(const std::vector<profile_setup>& setups,
                   const std::vector<workload>& loads,
                   const std::vector<profile_results>& res, json& out) {
  std::cout << "\n## Summary: thread configuration / process configuration "
               "(A), medians\n\n";
  std::cout << fmt::format("{:<34}", "");
  for (size_t i = 1; i < setups.size(); ++i)
    std::cout << fmt::format(" {:>18}", setups[i].label);
  std::cout << '\n';
  out = json::array();
  auto row = [&](const std::string& name,
                 const std::function<double(const profile_results&)>& f) {
    std::cout << fmt::format("{:<34}", name);
    json ratios;
    for (size_t i = 1; i < setups.size(); ++i) {
      std::cout << fmt::format(" {:>18}",
                               ratio_text(f(res[i]), f(res.front())));
      ratios[setups[i].label] = ratio_json(f(res[i]), f(res.front()));
    }
    std::cout << '\n';
    out.push_back({{"figure", name}, {"ratios", std::move(ratios)}});
  };
  auto memory = [](bool loaded, const std::function<long(const memory_kib&)>&
                                  get) {
    return [loaded, get](const profile_results& r) {
      return median_mib(loaded ? r.loaded : r.idle, get);
    };
  };
  auto pss = memory_fields[0].second;
  auto uss = memory_fields[1].second;
  auto dirty = memory_fields[2].second;
  row("memory Pss, idle", memory(false, pss));
  row("memory USS, idle", memory(false, uss));
  row("memory Pss, after load", memory(true, pss));
  row("memory USS, after load", memory(true, uss));
  row("memory Private_Dirty, idle", memory(false, dirty));
  row("memory Private_Dirty, after load", memory(true, dirty));
  row("start-up time",
      [](const profile_results& r) { return median(r.startup_ms); });
  for (size_t w = 0; w < loads.size(); ++w) {
    row(loads[w].command + " calls/s", [w](const profile_results& r) {
      return r.load[w].median_calls_per_s();
    });
    row(loads[w].command + " p50 latency", [w](const profile_results& r) {
      return r.load[w].median_p50();
    });
    row(loads[w].command + " Python CPU cores used",
        [w](const profile_results& r) { return median(r.python_cores[w]); });
    if (loads[w].command == "cpu_burn")
      row("cpu_burn work (iterations/s)", [w](const profile_results& r) {
        return median(r.iterations_per_s[w]);
      });
  }
}

} // namespace snakepit::bench
