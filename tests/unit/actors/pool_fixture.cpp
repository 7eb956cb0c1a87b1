#include "pool_fixture.hpp"

#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

#include <snakepit/pool.hpp>
#include <snakepit/snakepit.hpp>

#include "messages/atoms.hpp"

namespace snakepit::testing {

namespace {

using namespace std::chrono_literals;

/// How often a starting worker looks for its ready file
/// (actors/worker_actor.cpp).
constexpr auto ready_poll_interval = 5ms;

/// Spawns the pool as its child, sends it the test's requests and records
/// what comes back.
caf::behavior client_actor(caf::event_based_actor* self, pool_config cfg,
                           std::shared_ptr<const worker_environment> env,
                           std::shared_ptr<client_log> seen) {
  auto pool = spawn_pool(self, std::move(cfg), std::move(env));
  seen->pool = pool;
  self->set_exit_handler([self, pool, seen](caf::exit_msg& msg) {
    if (msg.source == pool.address())
      seen->pool_exit = msg.reason;
    else
      self->quit(msg.reason);
  });
  return {
    [self, pool, seen](int tag, execute_request& req) {
      self->request(pool, caf::infinite, execute_atom::value, std::move(req))
        .then(
          [seen, tag](execute_reply& r) {
            seen->replies[tag].push_back(std::move(r));
          },
          [seen, tag](caf::error& e) {
            seen->errors[tag].push_back(std::move(e));
          });
    },
    [self, pool, seen](status_atom) {
      self->request(pool, caf::infinite, status_atom::value)
        .then([seen](pool_snapshot& s) { seen->status = std::move(s); });
    },
    [self, pool, seen](inspect_atom) {
      self->request(pool, caf::infinite, inspect_atom::value)
        .then([seen](pool_snapshot& p) { seen->inspection = std::move(p); });
    },
  };
}

std::string make_run_directory() {
  std::string pattern = "/tmp/sp-actors-XXXXXX";
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

} // namespace

pool_config test_pool(int size) {
  pool_config cfg;
  cfg.name = "p";
  cfg.size = size;
  cfg.adapter = "fake.Adapter";
  cfg.python = "/nonexistent/python3";
  cfg.health_check_interval = 0ms;
  cfg.lifecycle_interval = std::chrono::hours{1};
  cfg.recovery_backoff = std::chrono::milliseconds::max();
  return cfg;
}

execute_request make_request(std::string command, bool idempotent) {
  execute_request req;
  req.command = std::move(command);
  req.args_json = "{}";
  req.idempotent = idempotent;
  return req;
}

pool_fixture::pool_fixture(pool_config cfg)
  : run_path_(make_run_directory()),
    launcher_(std::make_shared<fake_launcher>(log_)), network_(log_) {
  spdlog::set_level(spdlog::level::off);
  register_types(cfg_);
  cfg_.set("scheduler.policy", caf::atom("testing"));
  sys_ = std::make_unique<caf::actor_system>(cfg_);
  sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
  auto env = std::make_shared<worker_environment>();
  env->launcher = launcher_;
  env->connect = network_.factory();
  env->run_id = "actor-test";
  env->run_path = run_path_;
  env->python_path = "/nonexistent/python";
  client_ = sys_->spawn(client_actor, std::move(cfg),
                        std::shared_ptr<const worker_environment>{env},
                        seen_);
  settle();
}

pool_fixture::~pool_fixture() {
  if (!seen_->pool_exit)
    stop_pool();
  // Processes end when asked; those never started are refused.
  for (int round = 0; round < 100; ++round) {
    settle();
    if (launcher_->exit_stopped() + launcher_->refuse_waiting() == 0)
      break;
  }
  caf::anon_send_exit(client_, caf::exit_reason::user_shutdown);
  for (auto& recorder : recorders_) {
    telemetry::unsubscribe(recorder);
    caf::anon_send_exit(recorder, caf::exit_reason::user_shutdown);
  }
  settle();
  CHECK(seen_->pool_exit.has_value());
  for (int tag = 1; tag <= sent_; ++tag) {
    INFO("request " << tag);
    CHECK(seen_->replies[tag].size() + seen_->errors[tag].size() == 1);
  }
  network_.clear();
  seen_->pool = nullptr;
  client_ = nullptr;
  std::error_code ec;
  std::filesystem::remove_all(run_path_, ec);
}

void pool_fixture::settle() {
  do
    sched_->run();
  while (sched_->advance_time(caf::timespan{0}) > 0);
}

void pool_fixture::wait(caf::timespan d) {
  // One jump would fire each timer once, late, at the end of `d`.
  constexpr caf::timespan step = 1ms;
  for (; d >= step; d -= step) {
    sched_->advance_time(step);
    settle();
  }
  sched_->advance_time(d);
  settle();
}

std::vector<std::string> pool_fixture::start_workers() {
  auto ids = launcher_->waiting();
  for (const auto& id : ids)
    launcher_->start_ready(id);
  settle();
  wait(ready_poll_interval);
  return ids;
}

int pool_fixture::send(execute_request req) {
  auto tag = ++sent_;
  caf::anon_send(client_, tag, std::move(req));
  settle();
  return tag;
}

const std::vector<execute_reply>& pool_fixture::replies(int tag) {
  return seen_->replies[tag];
}

const execute_reply& pool_fixture::reply(int tag) {
  INFO("request " << tag);
  REQUIRE(seen_->errors[tag].empty());
  REQUIRE(seen_->replies[tag].size() == 1);
  return seen_->replies[tag].front();
}

int pool_fixture::unanswered() const {
  int n = 0;
  auto has = [](const auto& by_tag, int tag) {
    auto i = by_tag.find(tag);
    return i != by_tag.end() && !i->second.empty();
  };
  for (int tag = 1; tag <= sent_; ++tag)
    if (!has(seen_->replies, tag) && !has(seen_->errors, tag))
      ++n;
  return n;
}

pool_snapshot pool_fixture::status() {
  seen_->status.reset();
  caf::anon_send(client_, status_atom::value);
  settle();
  REQUIRE(seen_->status.has_value());
  return *seen_->status;
}

pool_snapshot pool_fixture::inspection() {
  seen_->inspection.reset();
  caf::anon_send(client_, inspect_atom::value);
  settle();
  REQUIRE(seen_->inspection.has_value());
  return *seen_->inspection;
}

void pool_fixture::stop_pool() {
  caf::anon_send_exit(seen_->pool, caf::exit_reason::user_shutdown);
  settle();
}

uint64_t pool_fixture::only_call(const std::string& worker_id) {
  auto calls = channel(worker_id).running();
  INFO("calls running on " << worker_id);
  REQUIRE(calls.size() == 1);
  return calls.front();
}

} // namespace snakepit::testing
