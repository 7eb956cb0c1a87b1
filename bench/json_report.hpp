#pragma once

/// What every benchmark binary shares for its output: the machine facts its
/// figures depend on (printed as one line, and recorded), and the JSON
/// document that `--json PATH` writes (the figures the text output prints,
/// the machine, the exact command line). `bench/report.py` merges these
/// documents into the suite's report (scripts/bench-suite.sh).

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "bench/stats.hpp"

namespace snakepit::bench {

/// JSON with keys in insertion order, so the files read like the text
/// output.
using json = nlohmann::ordered_json;

/// "2 x AMD EPYC ..., Linux 6.1.0": cores, CPU model, kernel.
std::string machine_line();

/// The three load averages of /proc/loadavg, "1.02 0.87 0.80".
std::string load_average();

/// One run's JSON document: built while the benchmark runs, written at the
/// end. Holds from the start the tool's name, its exact argv, the start
/// time and the machine (cores, CPU, kernel, compiler, build type, CAF and
/// gRPC versions, load average before).
class json_report {
public:
  json_report(std::string tool, int argc, char** argv);

  /// The document's top-level object, for the sections of the run.
  json& root() { return doc_; }

  /// `root()[name]`.
  json& operator[](const std::string& name) { return doc_[name]; }

  /// Adds the end facts (load average after, wall time, `ok`) and writes
  /// the document to `path`; does nothing for an empty path. False, and a
  /// message on stderr, when the file cannot be written.
  bool write(const std::string& path, bool ok);

private:
  json doc_;
  std::chrono::steady_clock::time_point start_;
};

/// One round's figures: p50/p99/mean in microseconds, calls/s, failures,
/// the pool's own time and the CPU per call where measured.
json to_json(const round_summary& r);

/// A path's (or a side's) medians over the rounds, and every round.
json to_json(const path_summary& s);

/// Nearest-rank percentiles p10 ... p99.9 and the max of `latencies_ns`,
/// microseconds, keyed "p50" etc.; the distribution behind a table row.
json percentiles_json(std::vector<int64_t> latencies_ns);

/// `num / den`, or null (JSON) when `den` is not positive.
json ratio_json(double num, double den);

/// "1.23x", or "-" when `den` is not positive.
std::string ratio_text(double num, double den);

} // namespace snakepit::bench
