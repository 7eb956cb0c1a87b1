#include "bridge/grpc_stream.hpp"

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "bridge/grpc_support.hpp"
#include "bridge/json_values.hpp"
#include "bridge/worker_replies.hpp"

namespace snakepit::bridge {

namespace {

using clock_type = std::chrono::steady_clock;

} // namespace

grpc::ChannelArguments stream_channel_arguments(std::size_t max_bytes) {
  auto args = message_limits(max_bytes);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  return args;
}

/// A chunk read from gRPC: its JSON text (or raw bytes when `binary`).
struct read_chunk {
  std::string data;
  bool binary = false;
};

/// One ExecuteStreamingTool call. One read at a time, so chunks are
/// delivered in order. A chunk is delivered only against credit: one read
/// while there is none parks its chunk until a grant, and starts no other
/// read, so the host holds at most one chunk beyond the window and gRPC's
/// flow control holds the worker. That read ahead lets the final message
/// (which needs no credit) arrive while the caller holds the stream back.
/// After the final message it reads once more, to the end of the stream.
/// The end (`done`) is delivered in OnDone, once gRPC has run every other
/// reaction: after the last chunk.
///
/// Holds on the call (AddHold) keep OnDone back while this object may
/// still touch the call: one for the reads, which `grant` starts outside
/// the reactions (released when no read will come any more), and one per
/// armed idle alarm. It lives (`self_`) until OnDone.
class grpc_stream final : public grpc::ClientReadReactor<ToolChunk> {
public:
  grpc_stream(std::weak_ptr<grpc_stream_table> table, uint64_t id,
              std::chrono::milliseconds idle_timeout, uint32_t window,
              chunk_callback on_chunk, tool_callback done)
    : table_(std::move(table)), id_(id), timeout_(idle_timeout),
      window_(window), credit_(window), on_chunk_(std::move(on_chunk)),
      done_(std::move(done)) {
  }

  /// The call, decoded from the bytes `encode_call` made.
  ExecuteToolRequest request;

  /// Starts the call on `stub`; `self` (this stream) is kept until OnDone.
  void start(BridgeService::Stub& stub, std::shared_ptr<grpc_stream> self) {
    self_ = std::move(self);
    stub.async()->ExecuteStreamingTool(&ctx_, &request, this);
    AddHold(); // once bound to the call, before it starts
    {
      std::lock_guard<std::mutex> lock{mutex_};
      begin_read_locked();
    }
    StartRead(&chunk_);
    StartCall();
  }

  void grant(uint32_t chunks) {
    std::optional<read_chunk> parked;
    {
      std::lock_guard<std::mutex> lock{mutex_};
      if (cancelled_ || reads_over_ || end_)
        return;
      auto had_credit = credit_ > 0;
      // Never above the window, however much a caller acknowledges.
      credit_ += std::min(chunks, window_ - credit_);
      if (credit_ == 0)
        return;
      if (reading_ && !had_credit) {
        // The read ahead now waits for a chunk there is credit for.
        deadline_ = clock_type::now() + timeout_;
        arm_locked();
      }
      if (!parked_)
        return;
      parked.swap(parked_);
      --credit_;
      begin_read_locked();
    }
    deliver(std::move(*parked));
    StartRead(&chunk_);
  }

  void cancel() {
    std::unique_ptr<grpc::Alarm> stale;
    bool release = false;
    {
      std::lock_guard<std::mutex> lock{mutex_};
      if (ended_ || cancelled_)
        return;
      cancelled_ = true;
      parked_.reset();
      // A read in flight ends with the call, and releases the hold then.
      release = !reading_ && end_reads_locked();
      stale = disarm_locked();
    }
    ctx_.TryCancel();
    stale.reset();
    if (release)
      RemoveHold();
  }

  void OnReadDone(bool ok) override {
    std::unique_ptr<grpc::Alarm> stale;
    bool release = false;
    bool read = false;
    bool bad_message = false;
    std::optional<read_chunk> got;
    {
      std::lock_guard<std::mutex> lock{mutex_};
      reading_ = false;
      if (!ok || cancelled_ || end_) {
        // The end of the stream, or a message nobody wants any more (the
        // stream was cancelled or timed out). A message after the final
        // one breaks the protocol: the call is cancelled, the final
        // message already said how the stream ended.
        bad_message = ok && final_seen_ && !cancelled_;
        release = end_reads_locked();
        stale = disarm_locked();
      } else if (chunk_.is_final()) {
        final_seen_ = true;
        end_ = from_final_chunk(chunk_);
        begin_read_locked();
        read = true;
      } else {
        read_chunk chunk{std::move(*chunk_.mutable_data()), chunk_.binary()};
        if (credit_ == 0) {
          parked_ = std::move(chunk); // until a grant
        } else {
          --credit_;
          got = std::move(chunk);
          begin_read_locked();
          read = true;
        }
      }
    }
    if (got)
      deliver(std::move(*got));
    if (bad_message)
      ctx_.TryCancel();
    // After the delivery: the next chunk cannot overtake this one.
    if (read)
      StartRead(&chunk_);
    stale.reset();
    if (release)
      RemoveHold();
  }

  void OnDone(const grpc::Status& status) override {
    {
      std::lock_guard<std::mutex> lock{mutex_};
      if (!cancelled_) {
        tool_result out;
        if (end_)
          out = std::move(*end_);
        else if (status.ok())
          out.error = make_failure(error_code::internal,
                                   "the worker ended the stream without its "
                                   "final chunk");
        else
          out.error = from_status(status, timeout_);
        // Under the lock: once `cancel` has returned, `done` has run or
        // never will.
        done_(std::move(out));
      }
      ended_ = true;
    }
    if (auto table = table_.lock())
      table->erase(id_, this);
    auto last = std::move(self_); // may destroy this, as it leaves
  }

private:
  void deliver(read_chunk chunk) {
    if (!chunk.binary && chunk.data.empty())
      chunk.data = "null";
    on_chunk_(std::move(chunk.data), chunk.binary);
  }

  /// A read starts. While there is credit for its chunk (or it waits for
  /// the end after the final message) the idle timeout counts from now.
  void begin_read_locked() {
    reading_ = true;
    if (credit_ == 0 && !final_seen_)
      return;
    deadline_ = clock_type::now() + timeout_;
    arm_locked();
  }

  /// No read will start any more; true the first time (the caller then
  /// releases the reads' hold).
  bool end_reads_locked() {
    if (reads_over_)
      return false;
    reads_over_ = true;
    return true;
  }

  /// Arms the idle alarm for `deadline_` unless one is armed (an alarm
  /// armed earlier finds the later deadline when it fires, and re-arms).
  /// A new alarm each time: an alarm's callback must not set it again.
  void arm_locked() {
    if (alarm_armed_)
      return;
    alarm_armed_ = true;
    AddHold();
    alarm_ = std::make_unique<grpc::Alarm>();
    // gRPC's alarms take system_clock time points.
    auto at = std::chrono::system_clock::now()
              + (deadline_ - clock_type::now());
    alarm_->Set(at, [this](bool fired) { on_alarm(fired); });
  }

  /// The armed alarm, to destroy (which cancels it) outside the lock; its
  /// callback then releases its hold.
  std::unique_ptr<grpc::Alarm> disarm_locked() {
    return alarm_armed_ ? std::move(alarm_) : nullptr;
  }

  void on_alarm(bool fired) {
    bool timed_out = false;
    {
      std::lock_guard<std::mutex> lock{mutex_};
      alarm_armed_ = false;
      // A read ahead without credit never times out.
      if (reading_ && (credit_ > 0 || final_seen_) && !reads_over_
          && !cancelled_) {
        if (fired && clock_type::now() >= deadline_) {
          timed_out = true;
          if (!end_)
            end_ = tool_result{
              {}, make_failure(error_code::request_timeout,
                               "no chunk within "
                                 + std::to_string(timeout_.count())
                                 + " ms")};
        } else {
          arm_locked();
        }
      }
    }
    // The read in flight then fails, and the stream ends with `end_`.
    if (timed_out)
      ctx_.TryCancel();
    RemoveHold();
  }

  std::weak_ptr<grpc_stream_table> table_;
  const uint64_t id_;
  const std::chrono::milliseconds timeout_;
  const uint32_t window_;
  grpc::ClientContext ctx_;
  /// The message a read fills.
  ToolChunk chunk_;
  std::shared_ptr<grpc_stream> self_;

  std::mutex mutex_;
  /// Chunks the host may still take.
  uint32_t credit_;
  /// A chunk read without credit, delivered by the next grant.
  std::optional<read_chunk> parked_;
  chunk_callback on_chunk_;
  tool_callback done_;
  /// A read is in flight.
  bool reading_ = false;
  /// The final message came.
  bool final_seen_ = false;
  /// No read will start any more (the reads' hold is released).
  bool reads_over_ = false;
  /// `cancel` ran: no callback any more.
  bool cancelled_ = false;
  /// OnDone ran.
  bool ended_ = false;
  /// How the stream ended, once known before OnDone (the final message,
  /// the idle timeout).
  std::optional<tool_result> end_;
  /// When the read in flight times out.
  clock_type::time_point deadline_{};
  /// An idle alarm is armed (its callback has not run yet).
  bool alarm_armed_ = false;
  std::unique_ptr<grpc::Alarm> alarm_;
};

void grpc_stream_table::start(BridgeService::Stub& stub, uint64_t call_id,
                              const std::string& call_bytes,
                              std::chrono::milliseconds idle_timeout,
                              uint32_t window, chunk_callback on_chunk,
                              tool_callback done) {
  ExecuteToolRequest request;
  tool_result refused;
  if (!request.ParseFromString(call_bytes)
      || !request.MergeFromString(encode_call_id(call_id))) {
    refused.error = make_failure(error_code::internal,
                                 "undecodable streaming call");
  } else {
    std::lock_guard<std::mutex> lock{mutex_};
    if (closed_) {
      refused.error = make_failure(error_code::worker_crashed,
                                   "worker connection lost: channel closed");
    } else if (streams_.count(call_id) != 0) {
      refused.error = make_failure(error_code::internal,
                                   "call id " + std::to_string(call_id)
                                     + " is already in flight on this "
                                       "worker");
    } else {
      auto stream = std::make_shared<grpc_stream>(
        weak_from_this(), call_id, idle_timeout, window, std::move(on_chunk),
        std::move(done));
      stream->request = std::move(request);
      streams_.emplace(call_id, stream);
      // Under the lock, so that a stream ending at once leaves the table
      // after it entered it.
      stream->start(stub, stream);
      return;
    }
  }
  done(std::move(refused));
}

std::shared_ptr<grpc_stream> grpc_stream_table::find(uint64_t call_id) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = streams_.find(call_id);
  return it == streams_.end() ? nullptr : it->second;
}

void grpc_stream_table::grant(uint64_t call_id, uint32_t chunks) {
  if (auto stream = find(call_id))
    stream->grant(chunks);
}

void grpc_stream_table::cancel(uint64_t call_id) {
  if (auto stream = find(call_id))
    stream->cancel();
}

void grpc_stream_table::close() {
  std::vector<std::shared_ptr<grpc_stream>> open;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    closed_ = true;
    for (auto& entry : streams_)
      open.push_back(entry.second);
  }
  for (auto& stream : open)
    stream->cancel();
}

void grpc_stream_table::erase(uint64_t call_id, const grpc_stream* stream) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = streams_.find(call_id);
  if (it != streams_.end() && it->second.get() == stream)
    streams_.erase(it);
}

} // namespace snakepit::bridge
