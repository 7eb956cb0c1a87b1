// The event table, the helpers that build typed events, and the names.

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <variant>

#include <caf/deep_to_string.hpp>

#include <snakepit/telemetry/events.hpp>

#include "test_support.hpp"

using namespace snakepit::telemetry;
using namespace std::chrono_literals;

namespace {

std::set<std::string> keys_of(const std::vector<const char*>& xs) {
  return {xs.begin(), xs.end()};
}

} // namespace

TEST_CASE("the event table lists each event once", "[telemetry][events]") {
  std::set<std::string> names;
  for (const auto& spec : event_table()) {
    CHECK(names.insert(spec.name).second);
    CHECK(std::string{spec.name}.rfind("snakepit.", 0) == 0);
    CHECK(keys_of(spec.fields).count(keys::pool) == 1);
    CHECK(keys_of(spec.fields).size() == spec.fields.size());
    CHECK(find_spec(spec.name) == &spec);
  }
  CHECK(names.size() == std::variant_size_v<event>);
  CHECK(find_spec("snakepit.nope") == nullptr);
}

TEST_CASE("every helper stamps its event, and names come in table order",
          "[telemetry][events]") {
  auto all = one_of_each();
  REQUIRE(all.size() == event_table().size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    INFO(name_of(all[i]));
    CHECK(find_spec(name_of(all[i])) != nullptr);
    CHECK(time_of(all[i]).time_since_epoch().count() > 0);
  }
}

TEST_CASE("helpers keep types: integers, durations, the reason",
          "[telemetry][events]") {
  auto started = make_worker_started("p", "p/w1", 77, "thread", 4, 250ms);
  CHECK(started.startup == 250ms);
  CHECK(started.pid == 77);
  CHECK(started.slots == 4);
  CHECK(started.profile == "thread");
  auto recycled = make_worker_recycled("p", "p/w1",
                                       recycle_reason::max_requests, 2min, 10,
                                       1024);
  CHECK(recycled.reason == recycle_reason::max_requests);
  CHECK(recycled.uptime == 2min);
  CHECK(recycled.memory_bytes == 1024);
  CHECK(recycled.request_limit == 0);
  CHECK(recycled.overshoot == 0);
  auto past = make_worker_recycled("p", "p/w2", recycle_reason::max_requests,
                                   1s, 31, 0, 25);
  CHECK(past.request_limit == 25);
  CHECK(past.overshoot == 6);
  auto under = make_worker_recycled("p", "p/w3", recycle_reason::ttl, 1s, 20,
                                    0, 25);
  CHECK(under.overshoot == 0);
  auto ok = make_request_executed("p", "p/w1", "add", true, 3ms, 1ms,
                                  "ignored");
  CHECK(ok.success);
  CHECK(ok.error.empty());
  CHECK(ok.duration == 3ms);
  CHECK(ok.queue_wait == 1ms);
  auto failed = make_request_executed("p", "", "add", false, 5s, 5s,
                                      "queue_timeout");
  CHECK(!failed.success);
  CHECK(failed.error == "queue_timeout");
  CHECK(failed.worker.empty());
  auto off = make_pool_failed("p", "ImportError", -1s);
  CHECK(off.retry_in < caf::timespan{0});
}

TEST_CASE("CAF prints an event under its name", "[telemetry][events]") {
  auto text = caf::deep_to_string(
    make_pool_recovered("p", "manual", 2s, 1));
  CHECK(text.rfind("snakepit.pool.recovered(", 0) == 0);
  CHECK(text.find("manual") != std::string::npos);
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
  CHECK(rows.size() == event_table().size());
  for (const auto& spec : event_table()) {
    INFO(spec.name);
    auto i = rows.find(spec.name);
    REQUIRE(i != rows.end());
    CHECK(ticked(i->second[1]) == keys_of(spec.fields));
  }
}
