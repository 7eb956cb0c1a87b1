// The log subscriber: one line per event, at the documented level.

#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include "telemetry/log_subscriber.hpp"
#include "test_support.hpp"

using namespace snakepit::telemetry;
using namespace std::chrono_literals;

TEST_CASE("describe lists the fields in order, durations in seconds",
          "[telemetry][log]") {
  auto ev = make_health_check_failed("default", "default/w2", 3, "timeout");
  CHECK(describe(ev)
        == "snakepit.worker.health_check_failed pool=default "
           "worker=default/w2 misses=3 reason=timeout");
  auto recycled = make_worker_recycled("default", "default/w3",
                                       recycle_reason::ttl, 3600s, 1200,
                                       52428800);
  CHECK(describe(recycled)
        == "snakepit.worker.recycled pool=default worker=default/w3 "
           "reason=ttl uptime_seconds=3600 requests=1200 "
           "memory_bytes=52428800 request_limit=0 overshoot=0");
  auto executed = make_request_executed("p", "p/w1", "add", true, 2500us,
                                        500us);
  CHECK(describe(executed)
        == "snakepit.request.executed pool=p worker=p/w1 command=add "
           "success=true error= duration_seconds=0.0025 "
           "queue_wait_seconds=0.0005 chunks=0 chunk_bytes=0 node=");
}

TEST_CASE("log levels follow the event", "[telemetry][log]") {
  using spdlog::level::level_enum;
  CHECK(log_level(make_request_executed("p", "w", "c", true, 1ms, 0ms))
        == level_enum::debug);
  CHECK(log_level(make_worker_started("p", "w", 1, "process", 1, 1s))
        == level_enum::info);
  CHECK(log_level(make_pool_saturated("p", 1, 1, 0, 1)) == level_enum::warn);
  CHECK(log_level(make_health_check_failed("p", "w", 1, "timeout"))
        == level_enum::warn);
  CHECK(log_level(make_capacity_reached("p", "w", 1, 1)) == level_enum::info);
  CHECK(log_level(make_worker_recycled("p", "w", recycle_reason::ttl, 1s, 1, 1))
        == level_enum::info);
  CHECK(log_level(make_worker_recycled("p", "w", recycle_reason::crashed, 1s,
                                       1, 1))
        == level_enum::warn);
}

TEST_CASE("the log subscriber writes one line per event", "[telemetry][log]") {
  system_fixture f;
  std::ostringstream text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
  auto logger = std::make_shared<spdlog::logger>("telemetry-test", sink);
  logger->set_pattern("%l %v");
  logger->set_level(spdlog::level::debug);
  auto log = spawn_log_subscriber(f.sys, logger);
  for (const auto& ev : one_of_each())
    publish(f.sys, ev);
  f.sync(log);
  auto out = text.str();
  CHECK(out.find("info snakepit.worker.started pool=default "
                 "worker=default/w1 pid=4242 profile=process slots=1 "
                 "startup_seconds=0.18\n")
        != std::string::npos);
  CHECK(out.find("warning snakepit.worker.health_check_failed")
        != std::string::npos);
  CHECK(out.find("warning snakepit.pool.saturated") != std::string::npos);
  CHECK(out.find("info snakepit.worker.recycled") != std::string::npos);
  CHECK(out.find("info snakepit.pool.capacity_reached") != std::string::npos);
  CHECK(out.find("debug snakepit.request.executed") != std::string::npos);
  CHECK(out.find("warning snakepit.worker.memory_over_limit")
        != std::string::npos);
  CHECK(out.find("error snakepit.pool.failed") != std::string::npos);
  CHECK(out.find("info snakepit.pool.recovered") != std::string::npos);
  CHECK(std::count(out.begin(), out.end(), '\n')
        == static_cast<long>(one_of_each().size()));
  f.stop(log);
}
