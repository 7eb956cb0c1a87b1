#pragma once

/// Channels that reach no Python: they keep each call, probe and ping a
/// worker actor starts, and the test ends them (a fake channel enforces no
/// deadline: the test says when one passes). A callback runs on the test
/// thread when the test ends its call; the worker actors' callbacks turn it
/// into a message, as they do on the real channel's gRPC thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/worker_environment.hpp"
#include "bridge/channel.hpp"
#include "fake_launcher.hpp"

namespace snakepit::testing {

/// The channel to one fake worker (see the file comment).
class fake_channel final : public bridge::channel {
public:
  /// A channel that reports a broken connection through `on_broken`.
  explicit fake_channel(bridge::broken_callback on_broken);

  void execute(uint64_t call_id, std::shared_ptr<const std::string> call_bytes,
               std::chrono::milliseconds timeout,
               bridge::tool_callback done) override;

  /// Streams are not faked (no actor test streams yet): `done` fails at
  /// once with `internal`.
  void execute_stream(uint64_t call_id,
                      std::shared_ptr<const std::string> call_bytes,
                      std::chrono::milliseconds idle_timeout, uint32_t window,
                      bridge::chunk_callback on_chunk,
                      bridge::tool_callback done) override;

  void grant(uint64_t, uint32_t) override {
  }

  void cancel_stream(uint64_t) override {
  }

  void ping(std::chrono::milliseconds timeout,
            bridge::ping_callback done) override;

  void describe(std::chrono::milliseconds timeout,
                bridge::describe_callback done) override;

  /// Sessions are not faked (actor tests hold none): `done` fails at
  /// once with `internal`.
  void close_session(const std::string&, std::chrono::milliseconds,
                     bridge::session_callback done) override {
    refuse_session(done);
  }

  void snapshot_session(const std::string&, std::chrono::milliseconds,
                        bridge::session_callback done) override {
    refuse_session(done);
  }

  void restore_session(const std::string&, const bridge::session_result&,
                       std::chrono::milliseconds,
                       bridge::session_callback done) override {
    refuse_session(done);
  }

  /// Fails `done` as fake channels hold no sessions.
  static void refuse_session(const bridge::session_callback& done) {
    bridge::session_result out;
    out.error = make_failure(error_code::internal,
                             "fake channels hold no sessions");
    done(std::move(out));
  }

  /// Ids of the calls started and not ended by the test, oldest first.
  std::vector<uint64_t> running() const;

  /// Ends call `call_id` with the JSON result `result_json`.
  void succeed(uint64_t call_id, const std::string& result_json);

  /// Ends call `call_id` with the failure `why` (as gRPC's status or
  /// Python's exception would).
  void fail(uint64_t call_id, failure why);

  /// The timeout the worker gave call `call_id`.
  std::chrono::milliseconds timeout_of(uint64_t call_id) const;

  /// Ends call `call_id` as gRPC does once its deadline has passed:
  /// `request_timeout`, "no reply within N ms". Python may still run it.
  void expire(uint64_t call_id);

  /// Pings sent so far, answered or not.
  int pings_sent() const {
    return pings_sent_;
  }

  /// Pings waiting for an answer.
  size_t pings_waiting() const {
    return pings_.size();
  }

  /// Answers the oldest ping waiting: healthy when `error` is empty.
  void answer_ping(std::string error = {});

  /// Describe probes waiting for an answer.
  size_t probes_waiting() const {
    return probes_.size();
  }

  /// Answers the oldest describe probe: `active` calls still run in
  /// Python.
  void answer_probe(std::vector<uint64_t> active);

  /// Breaks the connection as the native transport does (the peer closed
  /// it, or sent a frame that breaks the protocol): every call running
  /// fails with `worker_crashed` ("worker connection lost: <why>"), then
  /// the worker actor is told.
  void break_connection(const std::string& why);

private:
  bridge::broken_callback on_broken_;
  void end(uint64_t call_id, bridge::tool_result result);

  struct call {
    bridge::tool_callback done;
    std::chrono::milliseconds timeout;
  };

  std::map<uint64_t, call> calls_;
  std::vector<bridge::describe_callback> probes_;
  std::vector<bridge::ping_callback> pings_;
  int pings_sent_ = 0;
};

/// Every fake channel workers opened, by worker id; its `factory` goes
/// into a `worker_environment` in place of gRPC's.
class fake_network {
public:
  /// Records each connection into `log` ("connect p/w1").
  explicit fake_network(event_log log);

  /// Opens a fake channel for the address "fake:" + worker id (what
  /// `fake_launcher` reports ready).
  channel_factory factory();

  /// The channel worker `id` opened; fails the test if none.
  fake_channel& of(const std::string& id);

  /// Drops every channel and the callbacks they keep.
  void clear();

private:
  struct shared {
    event_log log;
    std::map<std::string, std::shared_ptr<fake_channel>> channels;
  };
  std::shared_ptr<shared> shared_;
};

} // namespace snakepit::testing
