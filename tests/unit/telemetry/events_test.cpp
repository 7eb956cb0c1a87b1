// The event table, the helpers that build events, and the names.

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "telemetry/events.hpp"
#include "test_support.hpp"

using namespace snakepit::telemetry;
using namespace std::chrono_literals;

namespace {

std::set<std::string> keys_of(const key_list& xs) {
  return {xs.begin(), xs.end()};
}

template <class Map>
std::set<std::string> keys_of(const Map& xs) {
  std::set<std::string> out;
  for (const auto& kv : xs)
    out.insert(kv.first);
  return out;
}

} // namespace

TEST_CASE("the event table lists each event once", "[telemetry][events]") {
  std::set<std::string> names;
  for (const auto& spec : event_table) {
    CHECK(names.insert(spec.name).second);
    CHECK(std::string{spec.name}.rfind("snakepit.", 0) == 0);
    CHECK(spec.measurements.count > 0);
    CHECK(spec.metadata.count > 0);
    CHECK(find_spec(spec.name) == &spec);
  }
  CHECK(names.size() == 9);
  CHECK(find_spec("snakepit.nope") == nullptr);
}

TEST_CASE("every helper fills exactly the documented fields",
          "[telemetry][events]") {
  auto all = one_of_each();
  REQUIRE(all.size() == event_table.size());
  for (const auto& ev : all) {
    INFO(ev.name);
    const auto* spec = find_spec(ev.name);
    REQUIRE(spec != nullptr);
    CHECK(keys_of(ev.measurements) == keys_of(spec->measurements));
    CHECK(keys_of(ev.metadata) == keys_of(spec->metadata));
    CHECK(ev.time.time_since_epoch().count() > 0);
  }
}

TEST_CASE("helpers convert units and names", "[telemetry][events]") {
  auto started = make_worker_started("p", "p/w1", 77, "thread", 4, 250ms);
  CHECK(started.measurement(keys::startup_seconds) == Approx(0.25));
  CHECK(started.meta(keys::pid) == "77");
  CHECK(started.meta(keys::slots) == "4");
  CHECK(started.meta(keys::profile) == "thread");
  auto recycled = make_worker_recycled("p", "p/w1",
                                       recycle_reason::max_requests, 2min, 10,
                                       1024);
  CHECK(recycled.meta(keys::reason) == "max_requests");
  CHECK(recycled.measurement(keys::uptime_seconds) == Approx(120));
  CHECK(recycled.measurement(keys::memory_bytes) == 1024);
  auto ok = make_request_executed("p", "p/w1", "add", true, 3ms, 1ms,
                                  "ignored");
  CHECK(ok.meta(keys::success) == "true");
  CHECK(ok.meta(keys::error).empty());
  CHECK(ok.measurement(keys::duration_seconds) == Approx(0.003));
  CHECK(ok.measurement(keys::queue_wait_seconds) == Approx(0.001));
  auto failed = make_request_executed("p", "", "add", false, 5s, 5s,
                                      "queue_timeout");
  CHECK(failed.meta(keys::success) == "false");
  CHECK(failed.meta(keys::error) == "queue_timeout");
  CHECK(failed.meta(keys::worker).empty());
  CHECK(failed.measurement("missing", -1) == -1);
  CHECK(failed.meta("missing").empty());
}

TEST_CASE("recycle reasons have stable names", "[telemetry][events]") {
  CHECK(std::string{to_string(recycle_reason::ttl)} == "ttl");
  CHECK(std::string{to_string(recycle_reason::max_requests)}
        == "max_requests");
  CHECK(std::string{to_string(recycle_reason::memory)} == "memory");
  CHECK(std::string{to_string(recycle_reason::manual)} == "manual");
  CHECK(std::string{to_string(recycle_reason::crashed)} == "crashed");
  CHECK(std::string{to_string(recycle_reason::unhealthy)} == "unhealthy");
  CHECK(std::string{to_string(recycle_reason::timeout)} == "timeout");
}

namespace {

// The backticked words of one table cell.
std::set<std::string> ticked(const std::string& cell) {
  std::set<std::string> out;
  for (auto i = cell.find('`'); i != std::string::npos;) {
    auto j = cell.find('`', i + 1);
    if (j == std::string::npos)
      break;
    out.insert(cell.substr(i + 1, j - i - 1));
    i = cell.find('`', j + 1);
  }
  return out;
}

} // namespace

TEST_CASE("docs/telemetry.md documents the event table",
          "[telemetry][events]") {
  std::ifstream in{SNAKEPIT_SOURCE_DIR "/docs/telemetry.md"};
  REQUIRE(in);
  std::map<std::string, std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `snakepit.", 0) != 0)
      continue;
    std::vector<std::string> cells;
    std::stringstream ss{line.substr(1)};
    for (std::string cell; std::getline(ss, cell, '|');)
      cells.push_back(cell);
    REQUIRE(cells.size() >= 3);
    auto name = *ticked(cells[0]).begin();
    CHECK(rows.emplace(name, cells).second);
  }
  CHECK(rows.size() == event_table.size());
  for (const auto& spec : event_table) {
    INFO(spec.name);
    auto i = rows.find(spec.name);
    REQUIRE(i != rows.end());
    CHECK(ticked(i->second[1]) == keys_of(spec.measurements));
    CHECK(ticked(i->second[2]) == keys_of(spec.metadata));
  }
}
