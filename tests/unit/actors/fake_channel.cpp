#include "fake_channel.hpp"

#include <catch2/catch.hpp>

namespace snakepit::testing {

namespace {

/// The address prefix `fake_launcher` reports.
const std::string address_prefix = "fake:";

} // namespace

void fake_channel::execute(uint64_t call_id,
                           std::shared_ptr<const std::string>,
                           std::chrono::milliseconds timeout,
                           bridge::tool_callback done) {
  REQUIRE(calls_.emplace(call_id, call{std::move(done), timeout}).second);
}

void fake_channel::execute_stream(uint64_t, std::shared_ptr<const std::string>,
                                  std::chrono::milliseconds, uint32_t,
                                  bridge::chunk_callback,
                                  bridge::tool_callback done) {
  done(bridge::tool_result{
    {}, make_failure(error_code::internal, "fake channels do not stream")});
}

void fake_channel::ping(std::chrono::milliseconds,
                        bridge::ping_callback done) {
  ++pings_sent_;
  pings_.push_back(std::move(done));
}

void fake_channel::describe(std::chrono::milliseconds,
                            bridge::describe_callback done) {
  probes_.push_back(std::move(done));
}

std::vector<uint64_t> fake_channel::running() const {
  std::vector<uint64_t> out;
  for (const auto& [id, c] : calls_)
    out.push_back(id);
  return out;
}

void fake_channel::succeed(uint64_t call_id, const std::string& result_json) {
  end(call_id, bridge::tool_result{result_json, {}, 0});
}

void fake_channel::fail(uint64_t call_id, failure why) {
  end(call_id, bridge::tool_result{{}, std::move(why), 0});
}

std::chrono::milliseconds fake_channel::timeout_of(uint64_t call_id) const {
  auto i = calls_.find(call_id);
  REQUIRE(i != calls_.end());
  return i->second.timeout;
}

void fake_channel::expire(uint64_t call_id) {
  fail(call_id, make_failure(error_code::request_timeout,
                             "no reply within "
                               + std::to_string(timeout_of(call_id).count())
                               + " ms"));
}

void fake_channel::end(uint64_t call_id, bridge::tool_result result) {
  auto i = calls_.find(call_id);
  REQUIRE(i != calls_.end());
  auto done = std::move(i->second.done);
  calls_.erase(i);
  done(std::move(result));
}

void fake_channel::answer_ping(std::string error) {
  REQUIRE_FALSE(pings_.empty());
  auto done = std::move(pings_.front());
  pings_.erase(pings_.begin());
  done(std::move(error));
}

void fake_channel::answer_probe(std::vector<uint64_t> active) {
  REQUIRE_FALSE(probes_.empty());
  auto done = std::move(probes_.front());
  probes_.erase(probes_.begin());
  bridge::worker_activity a;
  a.busy_slots = static_cast<int>(active.size());
  a.active_calls = std::move(active);
  done(std::move(a));
}

fake_channel::fake_channel(bridge::broken_callback on_broken)
  : on_broken_(std::move(on_broken)) {
}

void fake_channel::break_connection(const std::string& why) {
  for (auto id : running())
    fail(id, make_failure(error_code::worker_crashed,
                          "worker connection lost: " + why));
  if (on_broken_)
    on_broken_(why);
}

fake_network::fake_network(event_log log)
  : shared_(std::make_shared<shared>()) {
  shared_->log = std::move(log);
}

channel_factory fake_network::factory() {
  return [weak = std::weak_ptr<shared>{shared_}](
           const bridge::endpoint& where) -> std::shared_ptr<bridge::channel> {
    const auto& address = where.address;
    auto net = weak.lock();
    REQUIRE(net);
    REQUIRE(address.rfind(address_prefix, 0) == 0);
    auto id = address.substr(address_prefix.size());
    net->log->push_back("connect " + id);
    auto ch = std::make_shared<fake_channel>(where.on_broken);
    net->channels[id] = ch;
    return ch;
  };
}

fake_channel& fake_network::of(const std::string& id) {
  auto i = shared_->channels.find(id);
  INFO("worker " << id << " opened no channel");
  REQUIRE(i != shared_->channels.end());
  return *i->second;
}

void fake_network::clear() {
  shared_->channels.clear();
}

} // namespace snakepit::testing
