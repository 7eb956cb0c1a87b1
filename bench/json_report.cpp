#include "bench/json_report.hpp"

#include <caf/config.hpp>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#ifndef SNAKEPIT_BUILD_TYPE
#define SNAKEPIT_BUILD_TYPE "unknown"
#endif

#if defined(__clang__)
#define SNAKEPIT_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define SNAKEPIT_COMPILER "g++ " __VERSION__
#else
#define SNAKEPIT_COMPILER "unknown compiler"
#endif

namespace snakepit::bench {

namespace {

/// First "model name" of /proc/cpuinfo, or "unknown CPU".
std::string cpu_model() {
  std::ifstream in{"/proc/cpuinfo"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0)
      if (auto colon = line.find(':'); colon != std::string::npos)
        return line.substr(line.find_first_not_of(" \t", colon + 1));
  return "unknown CPU";
}

std::string kernel() {
  utsname os{};
  uname(&os);
  return fmt::format("{} {}", os.sysname, os.release);
}

/// Now, UTC, ISO 8601 to the second.
std::string utc_now() {
  auto t = std::chrono::system_clock::to_time_t(
    std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// A finite number, or null: JSON has no NaN or infinity.
json number(double x) {
  return std::isfinite(x) ? json(x) : json(nullptr);
}

} // namespace

std::string machine_line() {
  return fmt::format("{} x {}, {}", std::thread::hardware_concurrency(),
                     cpu_model(), kernel());
}

std::string load_average() {
  std::ifstream in{"/proc/loadavg"};
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

json_report::json_report(std::string tool, int argc, char** argv)
  : start_(std::chrono::steady_clock::now()) {
  doc_["tool"] = std::move(tool);
  doc_["argv"] = std::vector<std::string>(argv, argv + argc);
  doc_["started"] = utc_now();
  doc_["machine"] = {
    {"line", machine_line()},
    {"cores", std::thread::hardware_concurrency()},
    {"cpu", cpu_model()},
    {"kernel", kernel()},
    {"compiler", SNAKEPIT_COMPILER},
    {"build_type", SNAKEPIT_BUILD_TYPE},
    {"caf", fmt::format("{}.{}.{}", CAF_VERSION / 10000,
                        CAF_VERSION / 100 % 100, CAF_VERSION % 100)},
    {"grpc", grpc::Version()},
    {"load_average_before", load_average()},
  };
}

bool json_report::write(const std::string& path, bool ok) {
  if (path.empty())
    return true;
  doc_["machine"]["load_average_after"] = load_average();
  doc_["seconds"] = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - start_)
                      .count();
  doc_["ok"] = ok;
  std::ofstream out{path};
  out << doc_.dump(2) << '\n';
  out.close();
  if (!out) {
    std::cerr << "cannot write " << path << '\n';
    return false;
  }
  return true;
}

json to_json(const round_summary& r) {
  json out{{"p50_us", number(r.p50_us)},
           {"p99_us", number(r.p99_us)},
           {"mean_us", number(r.mean_us)},
           {"calls_per_s", number(r.calls_per_s)},
           {"failures", r.failures}};
  if (r.inner_p50_us > 0)
    out["pool_run_p50_us"] = number(r.inner_p50_us);
  if (r.cpu_us_per_call > 0)
    out["cpu_us_per_call"] = number(r.cpu_us_per_call);
  if (r.host_sleeps_per_call > 0)
    out["host_sleeps_per_call"] = number(r.host_sleeps_per_call);
  if (r.worker_sleeps_per_call > 0) {
    out["worker_cpu_us_per_call"] = number(r.worker_cpu_us_per_call);
    out["worker_sleeps_per_call"] = number(r.worker_sleeps_per_call);
  }
  return out;
}

json to_json(const path_summary& s) {
  json rounds = json::array();
  for (const auto& r : s.rounds)
    rounds.push_back(to_json(r));
  json out{{"name", s.name},
           {"p50_us", number(s.median_p50())},
           {"p99_us", number(s.median_p99())},
           {"mean_us", number(s.median_mean())},
           {"calls_per_s", number(s.median_calls_per_s())},
           {"p50_min_us", number(s.min_p50())},
           {"p50_max_us", number(s.max_p50())},
           {"failures", s.failures()}};
  if (auto inner = s.median_inner_p50(); inner > 0)
    out["pool_run_p50_us"] = number(inner);
  if (auto cpu = s.median_cpu_per_call(); cpu > 0)
    out["cpu_us_per_call"] = number(cpu);
  if (auto sleeps = s.median_host_sleeps_per_call(); sleeps > 0)
    out["host_sleeps_per_call"] = number(sleeps);
  if (auto sleeps = s.median_worker_sleeps_per_call(); sleeps > 0) {
    out["worker_cpu_us_per_call"] = number(s.median_worker_cpu_per_call());
    out["worker_sleeps_per_call"] = number(sleeps);
  }
  out["rounds"] = std::move(rounds);
  return out;
}

json percentiles_json(std::vector<int64_t> latencies_ns) {
  std::sort(latencies_ns.begin(), latencies_ns.end());
  json out;
  for (auto [key, p] : {std::pair{"p10", 10.0}, {"p25", 25.0}, {"p50", 50.0},
                        {"p75", 75.0}, {"p90", 90.0}, {"p99", 99.0},
                        {"p99.9", 99.9}, {"max", 100.0}})
    out[key] = number(percentile_us(latencies_ns, p));
  out["count"] = latencies_ns.size();
  return out;
}

json ratio_json(double num, double den) {
  return den > 0 ? number(num / den) : json(nullptr);
}

std::string ratio_text(double num, double den) {
  return den > 0 ? fmt::format("{:.2f}x", num / den) : std::string{"-"};
}

} // namespace snakepit::bench
