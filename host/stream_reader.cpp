#include <snakepit/stream_reader.hpp>

#include <caf/all.hpp>

#include <cassert>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace snakepit {

struct stream_reader::shared {
  std::mutex mutex;
  std::condition_variable changed;
  /// Chunks arrived and not taken: at most the pool's stream_window.
  std::deque<stream_chunk> chunks;
  /// Set once, when the stream has ended.
  std::optional<execute_reply> end;

  void push(stream_chunk chunk) {
    std::lock_guard<std::mutex> lock{mutex};
    chunks.push_back(std::move(chunk));
    changed.notify_all();
  }

  void finish(execute_reply reply) {
    std::lock_guard<std::mutex> lock{mutex};
    if (!end)
      end = std::move(reply);
    changed.notify_all();
  }
};

namespace {

/// Acknowledges one chunk the reader took.
using taken_atom = caf::atom_constant<caf::atom("sp_taken")>;

/// Relays one stream between a pool and its reader: chunks into the shared
/// queue, acknowledgements and a cancel to the pool. Quits at the end;
/// its exit (the reader gone) makes the pool cancel a stream still open.
caf::behavior relay(caf::event_based_actor* self,
                    std::shared_ptr<stream_reader::shared> to, pool_actor pool,
                    execute_request req) {
  auto stream_id = std::make_shared<uint64_t>(0);
  self->attach_functor([to] {
    to->finish(make_failure(error_code::shutting_down,
                            "the stream's relay stopped before its end"));
  });
  self->request(pool, caf::infinite, execute_stream_atom::value, std::move(req))
    .then(
      [self, to](execute_reply& reply) {
        to->finish(std::move(reply));
        self->quit();
      },
      [self, to](caf::error& err) {
        to->finish(make_failure(error_code::internal,
                                "no end from the pool: "
                                  + caf::to_string(err)));
        self->quit();
      });
  return {
    [stream_id](const stream_opened& opened) {
      *stream_id = opened.stream_id;
    },
    [to](stream_chunk& chunk) { to->push(std::move(chunk)); },
    [self, pool, stream_id](taken_atom) {
      self->send(pool, stream_ack_atom::value, *stream_id, uint32_t{1});
    },
    [self, pool, stream_id](stream_cancel_atom) {
      self->send(pool, stream_cancel_atom::value, *stream_id);
    },
  };
}

} // namespace

stream_reader::stream_reader(caf::actor_system& sys, pool_actor pool,
                             execute_request req)
  : shared_(std::make_shared<shared>()) {
  relay_ = sys.spawn(relay, shared_, std::move(pool), std::move(req));
}

stream_reader::stream_reader(caf::actor_system&, failure why)
  : shared_(std::make_shared<shared>()) {
  shared_->finish(std::move(why));
}

stream_reader::~stream_reader() {
  if (relay_)
    caf::anon_send_exit(relay_, caf::exit_reason::user_shutdown);
}

stream_reader::stream_reader(stream_reader&&) noexcept = default;

stream_reader& stream_reader::operator=(stream_reader&& other) noexcept {
  if (this != &other) {
    if (relay_)
      caf::anon_send_exit(relay_, caf::exit_reason::user_shutdown);
    shared_ = std::move(other.shared_);
    relay_ = std::move(other.relay_);
  }
  return *this;
}

std::optional<stream_chunk> stream_reader::next() {
  std::unique_lock<std::mutex> lock{shared_->mutex};
  shared_->changed.wait(lock, [this] {
    return !shared_->chunks.empty() || shared_->end.has_value();
  });
  if (shared_->chunks.empty())
    return std::nullopt;
  auto chunk = std::move(shared_->chunks.front());
  shared_->chunks.pop_front();
  lock.unlock();
  if (relay_)
    caf::anon_send(relay_, taken_atom::value);
  return chunk;
}

const execute_reply& stream_reader::outcome() const {
  std::lock_guard<std::mutex> lock{shared_->mutex};
  assert(shared_->end.has_value());
  return *shared_->end;
}

void stream_reader::cancel() {
  if (relay_)
    caf::anon_send(relay_, stream_cancel_atom::value);
}

} // namespace snakepit
