#pragma once

/// The inside of the native transport (bridge/native_channel.hpp): the I/O
/// thread and the state of one connection. Internal: only native_channel.cpp
/// includes it.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>

#include "bridge/frame_codec.hpp"
#include "bridge/native_channel.hpp"

namespace snakepit::bridge {

class Envelope;

/// The I/O thread: runs `context()` until the last reference goes (see
/// native_channel.hpp).
class native_io {
public:
  native_io();
  ~native_io();

  native_io(const native_io&) = delete;
  native_io& operator=(const native_io&) = delete;

  /// The context the I/O thread runs.
  boost::asio::io_context& context() {
    return core_->context;
  }

private:
  /// What the thread runs, shared with the thread: when the last reference
  /// to native_io is dropped on the I/O thread itself, the thread is
  /// detached and frees the context once `run` has returned.
  struct core {
    boost::asio::io_context context{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      keep_running{context.get_executor()};
  };

  std::shared_ptr<core> core_;
  std::thread thread_;
};

/// A call waiting for its reply, or for its deadline.
struct pending_call {
  /// Whose completion this is, by the kind of the call.
  using callback
    = std::variant<tool_callback, ping_callback, describe_callback,
                   session_callback>;

  callback done;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds timeout;
  /// A stream's chunk callback (shared: it runs outside the lock while the
  /// call may end); null for other calls.
  std::shared_ptr<chunk_callback> on_chunk;
  /// Chunks a stream's worker may still send (its credit). While it is
  /// zero the host holds the stream back and `deadline` is max().
  uint64_t credit = 0;
  /// A stream's window: its credit never goes above it, however much a
  /// caller acknowledges.
  uint64_t window = 0;
};

/// The frame listing `tools` to a worker (bridge/native_host_calls.cpp).
std::string host_tools_frame(const std::vector<host_tool_listing>& tools);

/// Host calls a worker may have unanswered at once; more are refused.
inline constexpr std::size_t max_host_calls_in_flight = 64;

/// One connection and its calls. Threads: the socket object, the decoder
/// and `state_` are written on the I/O thread only; callers write frames on
/// their own thread with a non-blocking send on `fd_` under `mutex_`, which
/// guards everything else (the pending calls, the write queue, the timer).
/// Every completion runs on the I/O thread, never under the mutex.
class native_connection
  : public std::enable_shared_from_this<native_connection> {
public:
  native_connection(std::shared_ptr<native_io> io, std::string socket_path,
                    std::size_t max_message_bytes, broken_callback on_broken,
                    host_tool_service host_tools = {});

  /// Starts connecting, on the I/O thread.
  void start();

  /// Sends the frame `head` followed by `body` (may be null) for call `id`,
  /// pending until its reply or `timeout`. Any thread; never blocks.
  void submit(uint64_t id, pending_call::callback done,
              std::chrono::milliseconds timeout, std::string head,
              std::shared_ptr<const std::string> body);

  /// Sends the frame `head` + `body` of the streaming call `id`, then a
  /// credit of `window` chunks, pending until its end or `idle_timeout`
  /// passes without a chunk while the worker has credit. Any thread.
  void submit_stream(uint64_t id, tool_callback done, chunk_callback on_chunk,
                     std::chrono::milliseconds idle_timeout, uint32_t window,
                     std::string head,
                     std::shared_ptr<const std::string> body);

  /// Adds `chunks` to the credit of stream `id`, at most up to its window,
  /// and tells the worker. Ignored for an id that is not a pending stream.
  /// Any thread.
  void grant(uint64_t id, uint32_t chunks);

  /// Drops stream `id` and tells the worker to cancel it. Any thread.
  void cancel_stream(uint64_t id);

  /// Completes `done` with `error` on the I/O thread.
  void reject(pending_call::callback done, failure error);

  /// Ends the connection: the calls pending get "channel closed",
  /// `on_broken` is not called. Any thread.
  void close();

  /// A fresh id for a ping or describe: the high bit set.
  uint64_t next_probe_id();

  /// The bound on an envelope, either way (at most
  /// `frame_max_envelope_bytes`).
  std::size_t max_message_bytes() const {
    return max_message_bytes_;
  }

private:
  enum class state : uint8_t { connecting, open, down };

  /// A frame waiting to be written: `head`, then `body` when set.
  struct out_frame {
    std::string head;
    std::shared_ptr<const std::string> body;
    /// Bytes of this frame written already.
    std::size_t sent = 0;

    std::size_t size() const {
      return head.size() + (body ? body->size() : 0);
    }
  };

  void connect();
  void on_connected(const boost::system::error_code& ec);
  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void deliver(Envelope& envelope);
  /// Passes a chunk of a pending stream on. I/O thread only.
  void deliver_chunk(Envelope& envelope);
  /// Hands a worker's host call to the host tool service, or answers it
  /// at once (no such parent call, too many in flight, no service). I/O
  /// thread only (bridge/native_host_calls.cpp).
  void deliver_host_call(Envelope& envelope);
  /// Sends the answer to host call `id` unless it was answered already.
  /// Any thread.
  void answer_host_call(uint64_t id, host_call_answer answer);
  /// Answers the host calls past their deadline with `request_timeout`;
  /// returns the next deadline of one (max() when none).
  std::chrono::steady_clock::time_point expire_host_calls_locked(
    std::chrono::steady_clock::time_point now);
  /// Queues `call` as `id` with its frame; false (and `call` rejected)
  /// when the connection is down or the id taken.
  bool enqueue_locked(std::unique_lock<std::mutex>& lock, uint64_t id,
                      pending_call& call, std::string head,
                      std::shared_ptr<const std::string> body);
  /// Queues the frame `frame` and writes what the socket takes.
  void send_locked(std::string frame);
  void on_deadline();
  /// Ends the connection for `why`: closes the socket, fails every call
  /// pending and, when `notify`, tells `on_broken_`. I/O thread only.
  void fail(const std::string& why, bool notify);

  /// Writes what the queue holds until the socket would block.
  void flush_locked();
  /// Removes the first `n` bytes of the queue, written.
  void consume_locked(std::size_t n);
  /// Waits on the I/O thread until the socket takes more bytes.
  void wait_writable_locked();
  void arm_timer_locked(std::chrono::steady_clock::time_point deadline);
  /// A write failed on the caller's thread: the I/O thread ends the
  /// connection.
  void lose_locked(std::string why);

  /// Declared first: destroyed last, after the socket and the timer.
  std::shared_ptr<native_io> io_;
  boost::asio::local::stream_protocol::socket socket_;
  std::string socket_path_;
  std::size_t max_message_bytes_;
  frame_decoder decoder_;
  state state_ = state::connecting;

  std::mutex mutex_;
  /// The socket's descriptor while writes may go to it, else -1.
  int fd_ = -1;
  std::unordered_map<uint64_t, pending_call> pending_;
  std::deque<out_frame> queue_;
  /// The I/O thread waits for the socket to take more: callers only queue.
  bool write_waiting_ = false;
  boost::asio::steady_timer timer_;
  /// When the timer fires; max() while it is not armed.
  std::chrono::steady_clock::time_point armed_at_
    = std::chrono::steady_clock::time_point::max();
  std::atomic<uint64_t> probe_ids_{0};
  /// Why the connection ended, for the calls that come later.
  std::string down_reason_;
  /// The channel was destroyed: `on_broken_` is not called any more.
  bool closed_ = false;
  broken_callback on_broken_;
  host_tool_service host_tools_;
  /// Host calls of the worker not answered yet, by its id: their deadline.
  std::unordered_map<uint64_t, std::chrono::steady_clock::time_point>
    host_calls_;
};

} // namespace snakepit::bridge
