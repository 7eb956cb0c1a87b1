#include "bridge/native_channel.hpp"

#include "bridge/frame_codec.hpp"
#include "bridge/native_connection.hpp"
#include "native.pb.h"

#include <pthread.h>

namespace snakepit::bridge {

namespace {

class native_channel final : public channel {
public:
  explicit native_channel(std::shared_ptr<native_connection> connection)
    : connection_(std::move(connection)) {
    // nop
  }

  ~native_channel() override {
    connection_->close();
  }

  void execute(uint64_t call_id,
               std::shared_ptr<const std::string> call_bytes,
               std::chrono::milliseconds timeout,
               tool_callback done) override {
    if (refuse_oversized(call_id, *call_bytes, done))
      return;
    auto head = encode_execute_head(call_id, call_bytes->size());
    connection_->submit(call_id, std::move(done), timeout, std::move(head),
                        std::move(call_bytes));
  }

  void execute_stream(uint64_t call_id,
                      std::shared_ptr<const std::string> call_bytes,
                      std::chrono::milliseconds idle_timeout, uint32_t window,
                      chunk_callback on_chunk, tool_callback done) override {
    if (refuse_oversized(call_id, *call_bytes, done))
      return;
    auto head = encode_execute_head(call_id, call_bytes->size());
    connection_->submit_stream(call_id, std::move(done), std::move(on_chunk),
                               idle_timeout, window, std::move(head),
                               std::move(call_bytes));
  }

  void grant(uint64_t call_id, uint32_t chunks) override {
    connection_->grant(call_id, chunks);
  }

  void cancel_stream(uint64_t call_id) override {
    connection_->cancel_stream(call_id);
  }

  void ping(std::chrono::milliseconds timeout, ping_callback done) override {
    Envelope envelope;
    envelope.set_call_id(connection_->next_probe_id());
    envelope.mutable_ping()->set_message("ping");
    send_probe(envelope, std::move(done), timeout);
  }

  void describe(std::chrono::milliseconds timeout,
                describe_callback done) override {
    Envelope envelope;
    envelope.set_call_id(connection_->next_probe_id());
    envelope.mutable_describe();
    send_probe(envelope, std::move(done), timeout);
  }

  void close_session(const std::string& id, std::chrono::milliseconds timeout,
                     session_callback done) override {
    Envelope envelope;
    envelope.set_call_id(connection_->next_probe_id());
    envelope.mutable_close_session()->set_session_id(id);
    send_probe(envelope, std::move(done), timeout);
  }

  void snapshot_session(const std::string& id,
                        std::chrono::milliseconds timeout,
                        session_callback done) override {
    Envelope envelope;
    envelope.set_call_id(connection_->next_probe_id());
    envelope.mutable_snapshot_session()->set_session_id(id);
    send_probe(envelope, std::move(done), timeout);
  }

  void restore_session(const std::string& id, const session_result& state,
                       std::chrono::milliseconds timeout,
                       session_callback done) override {
    Envelope envelope;
    envelope.set_call_id(connection_->next_probe_id());
    auto* restore = envelope.mutable_restore_session();
    restore->set_session_id(id);
    if (state.has_state && state.binary)
      restore->set_binary(state.state);
    else if (state.has_state)
      restore->set_json(state.state);
    send_probe(envelope, std::move(done), timeout);
  }

private:
  /// Fails `done` with `invalid_arguments` when the call's envelope would
  /// be over the message limit; returns whether it did.
  bool refuse_oversized(uint64_t call_id, const std::string& call_bytes,
                        tool_callback& done) {
    auto size = execute_envelope_bytes(call_id, call_bytes.size());
    auto limit = connection_->max_message_bytes();
    if (size <= limit)
      return false;
    connection_->reject(
      std::move(done),
      make_failure(error_code::invalid_arguments,
                   "the call is " + std::to_string(size)
                     + " bytes, over the limit of " + std::to_string(limit)
                     + " bytes (max_message_mb)"));
    return true;
  }

  void send_probe(const Envelope& envelope, pending_call::callback done,
                  std::chrono::milliseconds timeout) {
    connection_->submit(envelope.call_id(), std::move(done), timeout,
                        encode_frame(envelope), nullptr);
  }

  std::shared_ptr<native_connection> connection_;
};

} // namespace

native_io::native_io() : core_(std::make_shared<core>()) {
  thread_ = std::thread([core = core_] {
    pthread_setname_np(pthread_self(), "sp-native");
    core->context.run();
  });
}

native_io::~native_io() {
  core_->keep_running.reset();
  // Dropped inside a completion on the I/O thread: joining would wait for
  // this very thread. It ends by itself once its last work is done.
  if (thread_.get_id() == std::this_thread::get_id())
    thread_.detach();
  else
    thread_.join();
}

std::shared_ptr<native_io> make_native_io() {
  return std::make_shared<native_io>();
}

std::shared_ptr<channel> make_native_channel(std::shared_ptr<native_io> io,
                                             const std::string& socket_path,
                                             std::size_t max_message_bytes,
                                             broken_callback on_broken,
                                             host_tool_service host_tools) {
  auto connection = std::make_shared<native_connection>(
    std::move(io), socket_path, max_message_bytes, std::move(on_broken),
    std::move(host_tools));
  connection->start();
  return std::make_shared<native_channel>(std::move(connection));
}

} // namespace snakepit::bridge
