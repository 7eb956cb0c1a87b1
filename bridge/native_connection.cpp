#include "bridge/native_connection.hpp"

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <system_error>
#include <vector>

#include <sys/socket.h>
#include <sys/uio.h>

#include "bridge/worker_replies.hpp"
#include "native.pb.h"

namespace snakepit::bridge {

namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using clock_type = std::chrono::steady_clock;

/// Marks the ids of pings and describes (see native_channel.hpp).
constexpr uint64_t probe_id_bit = uint64_t{1} << 63;

/// Buffers one send gathers at most.
constexpr std::size_t max_send_buffers = 64;

/// Completes a call with `error`, whatever its kind.
void complete_with(pending_call::callback& done, const failure& error) {
  std::visit(
    [&error](auto& callback) {
      using type = std::decay_t<decltype(callback)>;
      if constexpr (std::is_same_v<type, tool_callback>) {
        callback(tool_result{{}, error, 0});
      } else if constexpr (std::is_same_v<type, ping_callback>) {
        callback(error.message);
      } else if constexpr (std::is_same_v<type, session_callback>) {
        session_result out;
        out.error = error;
        callback(std::move(out));
      } else {
        worker_activity out;
        out.error = error.message;
        callback(std::move(out));
      }
    },
    done);
}

/// A worker's FrameError as a failure: its category when it names one
/// (never `none`), else internal.
failure from_frame_error(const FrameError& error) {
  auto code = error_code_from_string(error.category());
  if (!code || *code == error_code::none)
    code = error_code::internal;
  auto message = error.message().empty()
                   ? "the worker could not serve the call ("
                       + error.category() + ")"
                   : error.message();
  return make_failure(*code, std::move(message));
}

/// Whether a reply of kind `body` answers a call waiting with `done`.
bool answers(Envelope::BodyCase body, const pending_call::callback& done) {
  switch (body) {
    case Envelope::kResult:
      return std::holds_alternative<tool_callback>(done);
    case Envelope::kPong:
      return std::holds_alternative<ping_callback>(done);
    case Envelope::kInfo:
      return std::holds_alternative<describe_callback>(done);
    case Envelope::kSessionClosed:
    case Envelope::kSessionState:
    case Envelope::kSessionRestored:
      return std::holds_alternative<session_callback>(done);
    case Envelope::kError:
      return true;
    default:
      return false;
  }
}

/// The frame of an envelope for call `id` whose body `set_body` fills.
template <class SetBody>
std::string control_frame(uint64_t id, SetBody set_body) {
  Envelope envelope;
  envelope.set_call_id(id);
  set_body(envelope);
  return encode_frame(envelope);
}

std::string credit_frame(uint64_t id, uint32_t chunks) {
  return control_frame(id, [chunks](Envelope& envelope) {
    envelope.mutable_credit()->set_chunks(chunks);
  });
}

std::string cancel_frame(uint64_t id) {
  return control_frame(id, [](Envelope& envelope) {
    envelope.mutable_cancel();
  });
}

/// What a worker's answer to a session operation says.
session_result from_session_reply(const Envelope& envelope) {
  session_result out;
  if (envelope.has_session_closed()) {
    out.has_state = envelope.session_closed().success();
  } else if (envelope.has_session_state()) {
    const auto& state = envelope.session_state();
    out.has_state = state.value_case() != SessionState::VALUE_NOT_SET;
    out.binary = state.value_case() == SessionState::kBinary;
    out.state = out.binary ? state.binary() : state.json();
  }
  return out;
}

std::string system_error_text(int error) {
  return std::error_code(error, std::system_category()).message();
}

} // namespace

native_connection::native_connection(std::shared_ptr<native_io> io,
                                     std::string socket_path,
                                     std::size_t max_message_bytes,
                                     broken_callback on_broken,
                                     host_tool_service host_tools)
  : io_(std::move(io)), socket_(io_->context()),
    socket_path_(std::move(socket_path)),
    max_message_bytes_(std::min(max_message_bytes, frame_max_envelope_bytes)),
    decoder_(max_message_bytes_),
    timer_(io_->context()), on_broken_(std::move(on_broken)),
    host_tools_(std::move(host_tools)) {
  // The worker learns the host tools before any call can ask for them.
  if (!host_tools_.tools.empty())
    queue_.push_back(out_frame{host_tools_frame(host_tools_.tools), nullptr,
                               0});
}

void native_connection::start() {
  asio::post(io_->context(), [self = shared_from_this()] { self->connect(); });
}

uint64_t native_connection::next_probe_id() {
  return probe_id_bit | ++probe_ids_;
}

void native_connection::connect() {
  if (state_ == state::down)
    return;
  std::optional<local::endpoint> endpoint;
  try {
    endpoint.emplace(socket_path_);
  } catch (const std::exception& e) {
    fail("cannot connect to " + socket_path_ + ": " + e.what(), true);
    return;
  }
  socket_.async_connect(*endpoint, [self = shared_from_this()](
                                     const boost::system::error_code& ec) {
    self->on_connected(ec);
  });
}

void native_connection::on_connected(const boost::system::error_code& ec) {
  if (state_ == state::down)
    return;
  if (ec) {
    fail("cannot connect to " + socket_path_ + ": " + ec.message(), true);
    return;
  }
  {
    std::lock_guard<std::mutex> lock{mutex_};
    state_ = state::open;
    fd_ = socket_.native_handle();
    flush_locked();
  }
  read();
}

bool native_connection::enqueue_locked(std::unique_lock<std::mutex>& lock,
                                       uint64_t id, pending_call& call,
                                       std::string head,
                                       std::shared_ptr<const std::string> body) {
  if (state_ == state::down) {
    auto why = "worker connection lost: " + down_reason_;
    lock.unlock();
    reject(std::move(call.done),
           make_failure(error_code::worker_crashed, std::move(why)));
    return false;
  }
  if (pending_.count(id) != 0) {
    lock.unlock();
    reject(std::move(call.done),
           make_failure(error_code::internal,
                        "call id " + std::to_string(id)
                          + " is already in flight on this worker"));
    return false;
  }
  auto deadline = call.deadline;
  pending_.emplace(id, std::move(call));
  arm_timer_locked(deadline);
  queue_.push_back(out_frame{std::move(head), std::move(body), 0});
  return true;
}

void native_connection::submit(uint64_t id, pending_call::callback done,
                               std::chrono::milliseconds timeout,
                               std::string head,
                               std::shared_ptr<const std::string> body) {
  pending_call call{std::move(done), clock_type::now() + timeout, timeout,
                    nullptr, 0, 0};
  std::unique_lock<std::mutex> lock{mutex_};
  if (enqueue_locked(lock, id, call, std::move(head), std::move(body))
      && !write_waiting_)
    flush_locked();
}

void native_connection::submit_stream(uint64_t id, tool_callback done,
                                      chunk_callback on_chunk,
                                      std::chrono::milliseconds idle_timeout,
                                      uint32_t window, std::string head,
                                      std::shared_ptr<const std::string> body) {
  auto deadline = window > 0 ? clock_type::now() + idle_timeout
                             : clock_type::time_point::max();
  pending_call call{std::move(done), deadline, idle_timeout,
                    std::make_shared<chunk_callback>(std::move(on_chunk)),
                    window, window};
  std::unique_lock<std::mutex> lock{mutex_};
  if (!enqueue_locked(lock, id, call, std::move(head), std::move(body)))
    return;
  if (window > 0)
    send_locked(credit_frame(id, window));
  else if (!write_waiting_)
    flush_locked();
}

void native_connection::grant(uint64_t id, uint32_t chunks) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = pending_.find(id);
  if (state_ == state::down || it == pending_.end() || !it->second.on_chunk)
    return;
  auto& call = it->second;
  // More than the chunks delivered (a caller acknowledging too much) would
  // let the worker run beyond the window.
  chunks = static_cast<uint32_t>(
    std::min<uint64_t>(chunks, call.window - call.credit));
  if (chunks == 0)
    return;
  if (call.credit == 0) {
    call.deadline = clock_type::now() + call.timeout;
    arm_timer_locked(call.deadline);
  }
  call.credit += chunks;
  send_locked(credit_frame(id, chunks));
}

void native_connection::cancel_stream(uint64_t id) {
  std::optional<pending_call> dropped;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto it = pending_.find(id);
    if (it == pending_.end() || !it->second.on_chunk)
      return;
    dropped.emplace(std::move(it->second));
    pending_.erase(it);
    if (state_ != state::down)
      send_locked(cancel_frame(id));
  }
  // `dropped` (and what its callbacks hold) goes here, outside the lock.
}

void native_connection::send_locked(std::string frame) {
  queue_.push_back(out_frame{std::move(frame), nullptr, 0});
  if (!write_waiting_)
    flush_locked();
}

void native_connection::reject(pending_call::callback done, failure error) {
  asio::post(io_->context(),
             [done = std::move(done), error = std::move(error)]() mutable {
               complete_with(done, error);
             });
}

void native_connection::close() {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    closed_ = true;
  }
  asio::post(io_->context(), [self = shared_from_this()] {
    self->fail("channel closed", false);
  });
}

void native_connection::flush_locked() {
  while (!queue_.empty() && fd_ >= 0) {
    iovec buffers[max_send_buffers];
    std::size_t count = 0;
    for (const auto& frame : queue_) {
      if (count + 2 > max_send_buffers)
        break;
      auto offset = frame.sent;
      if (offset < frame.head.size()) {
        buffers[count++] = {const_cast<char*>(frame.head.data()) + offset,
                            frame.head.size() - offset};
        offset = 0;
      } else {
        offset -= frame.head.size();
      }
      if (frame.body && offset < frame.body->size())
        buffers[count++] = {const_cast<char*>(frame.body->data()) + offset,
                            frame.body->size() - offset};
    }
    msghdr message{};
    message.msg_iov = buffers;
    message.msg_iovlen = count;
    auto n = ::sendmsg(fd_, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return wait_writable_locked();
      return lose_locked("write failed: " + system_error_text(errno));
    }
    consume_locked(static_cast<std::size_t>(n));
  }
}

void native_connection::consume_locked(std::size_t n) {
  while (n > 0) {
    auto& frame = queue_.front();
    auto left = frame.size() - frame.sent;
    if (n < left) {
      frame.sent += n;
      return;
    }
    n -= left;
    queue_.pop_front();
  }
}

void native_connection::wait_writable_locked() {
  write_waiting_ = true;
  auto wait = [this, self = shared_from_this()] {
    socket_.async_wait(local::socket::wait_write,
                       [self](const boost::system::error_code& ec) {
                         std::lock_guard<std::mutex> lock{self->mutex_};
                         self->write_waiting_ = false;
                         if (!ec)
                           self->flush_locked();
                       });
  };
  if (io_->context().get_executor().running_in_this_thread()) {
    wait();
    return;
  }
  asio::post(io_->context(), [this, wait = std::move(wait)] {
    std::lock_guard<std::mutex> lock{mutex_};
    if (fd_ >= 0)
      wait();
  });
}

void native_connection::lose_locked(std::string why) {
  fd_ = -1;
  asio::post(io_->context(),
             [self = shared_from_this(), why = std::move(why)] {
               self->fail(why, true);
             });
}

void native_connection::arm_timer_locked(clock_type::time_point deadline) {
  if (deadline >= armed_at_)
    return;
  armed_at_ = deadline;
  timer_.expires_at(deadline);
  timer_.async_wait(
    [self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec != asio::error::operation_aborted)
        self->on_deadline();
    });
}

void native_connection::on_deadline() {
  std::vector<pending_call> expired;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    armed_at_ = clock_type::time_point::max();
    auto now = clock_type::now();
    auto next = clock_type::time_point::max();
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline > now) {
        next = std::min(next, it->second.deadline);
        ++it;
        continue;
      }
      if (std::holds_alternative<tool_callback>(it->second.done))
        queue_.push_back(out_frame{cancel_frame(it->first), nullptr, 0});
      expired.push_back(std::move(it->second));
      it = pending_.erase(it);
    }
    next = std::min(next, expire_host_calls_locked(now));
    if (next != clock_type::time_point::max())
      arm_timer_locked(next);
    if (!write_waiting_)
      flush_locked();
  }
  for (auto& call : expired)
    complete_with(call.done,
                  make_failure(error_code::request_timeout,
                               "no reply within "
                                 + std::to_string(call.timeout.count())
                                 + " ms"));
}

void native_connection::read() {
  auto room = decoder_.room();
  socket_.async_read_some(
    asio::buffer(room.data, room.size),
    [self = shared_from_this()](const boost::system::error_code& ec,
                                std::size_t n) { self->on_read(ec, n); });
}

void native_connection::on_read(const boost::system::error_code& ec,
                                std::size_t n) {
  if (state_ == state::down)
    return;
  if (ec == asio::error::eof && decoder_.buffered() > 0) {
    auto why = "protocol error: the worker closed the connection inside a "
               "frame (truncated frame)";
    spdlog::error("native transport {}: {}", socket_path_, why);
    return fail(why, true);
  }
  if (ec == asio::error::eof)
    return fail("the worker closed the connection", true);
  if (ec)
    return fail("read failed: " + ec.message(), true);
  decoder_.commit(n);
  for (;;) {
    Envelope envelope;
    auto status = decoder_.next(envelope);
    if (status == frame_status::need_more)
      break;
    if (status == frame_status::broken) {
      auto why = "protocol error: " + decoder_.error();
      spdlog::error("native transport {}: {}", socket_path_, why);
      return fail(why, true);
    }
    deliver(envelope);
  }
  read();
}

void native_connection::deliver(Envelope& envelope) {
  if (envelope.body_case() == Envelope::kChunk)
    return deliver_chunk(envelope);
  if (envelope.body_case() == Envelope::kHostCall)
    return deliver_host_call(envelope);
  std::optional<pending_call> call;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto it = pending_.find(envelope.call_id());
    // A late reply (the call timed out) or one of a kind this host does
    // not know: dropped.
    if (it == pending_.end() || !answers(envelope.body_case(), it->second.done))
      return;
    call.emplace(std::move(it->second));
    pending_.erase(it);
  }
  auto& done = call->done;
  switch (envelope.body_case()) {
    case Envelope::kResult:
      std::get<tool_callback>(done)(
        from_execute_response(std::move(*envelope.mutable_result())));
      break;
    case Envelope::kPong:
      std::get<ping_callback>(done)(std::string{});
      break;
    case Envelope::kInfo:
      std::get<describe_callback>(done)(from_worker_info(envelope.info()));
      break;
    case Envelope::kSessionClosed:
    case Envelope::kSessionState:
    case Envelope::kSessionRestored:
      std::get<session_callback>(done)(from_session_reply(envelope));
      break;
    default:
      complete_with(done, from_frame_error(envelope.error()));
      break;
  }
}

void native_connection::deliver_chunk(Envelope& envelope) {
  std::shared_ptr<chunk_callback> on_chunk;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto it = pending_.find(envelope.call_id());
    // A late chunk (the stream was cancelled or timed out), or one for a
    // call that is not a stream: dropped.
    if (it == pending_.end() || !it->second.on_chunk)
      return;
    auto& call = it->second;
    if (call.credit > 0) {
      --call.credit;
      // Only ever later: a timer armed earlier finds it and re-arms.
      call.deadline = call.credit > 0 ? clock_type::now() + call.timeout
                                      : clock_type::time_point::max();
      on_chunk = call.on_chunk;
    }
  }
  if (!on_chunk) {
    auto why = "protocol error: the worker sent a chunk of stream "
               + std::to_string(envelope.call_id()) + " without credit";
    spdlog::error("native transport {}: {}", socket_path_, why);
    return fail(why, true);
  }
  auto& chunk = *envelope.mutable_chunk();
  if (chunk.value_case() == StreamChunk::kBinary)
    (*on_chunk)(std::move(*chunk.mutable_binary()), true);
  else if (chunk.value_case() == StreamChunk::kJson)
    (*on_chunk)(std::move(*chunk.mutable_json()), false);
  else
    (*on_chunk)("null", false);
}

void native_connection::fail(const std::string& why, bool notify) {
  std::unordered_map<uint64_t, pending_call> calls;
  broken_callback on_broken;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    if (state_ == state::down)
      return;
    state_ = state::down;
    down_reason_ = why;
    fd_ = -1;
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
    armed_at_ = clock_type::time_point::max();
    calls.swap(pending_);
    host_calls_.clear();
    queue_.clear();
    if (notify && !closed_)
      on_broken = std::move(on_broken_);
    on_broken_ = nullptr;
  }
  auto lost = make_failure(error_code::worker_crashed,
                           "worker connection lost: " + why);
  for (auto& entry : calls)
    complete_with(entry.second.done, lost);
  if (on_broken)
    on_broken(why);
}

} // namespace snakepit::bridge
