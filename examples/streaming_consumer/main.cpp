// A streaming consumer: tokens from a Python generator, printed as they
// arrive.
//
// A consumer actor owns a pool of one worker and asks it for a stream of
// the showcase adapter's `tokens` tool (an async generator yielding the
// words of a text). The pool first sends `stream_opened`, then one
// `stream_chunk` per word; the consumer prints each and acknowledges it,
// which lets the generator run on (at most `stream_window` words ahead).
// The reply to the request is the stream's end, with the counts. Then a
// second, endless-looking stream (`count` of a million values) is cancelled
// after five chunks: the generator is closed in Python and the stream ends
// with `cancelled`.
//
// Run: build/bin/example_streaming_consumer

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>

#include <snakepit/snakepit.hpp>

namespace {

using namespace std::chrono_literals;

struct consumer_state {
  snakepit::pool_actor pool;
  /// The stream being read, from its stream_opened.
  uint64_t stream_id = 0;
  /// Chunks of the current stream so far.
  int taken = 0;
  /// Set to 1 when something was not as expected (read by main).
  std::shared_ptr<std::atomic<int>> exit_code;

  static inline const char* name = "example.streaming_consumer";
};

using consumer_ptr = caf::stateful_actor<consumer_state>*;

void fail(consumer_ptr self, const std::string& what) {
  caf::aout(self) << what << std::endl;
  *self->state.exit_code = 1;
  self->quit();
}

/// Streams `count` of a million values and cancels it after five chunks.
void count_then_cancel(consumer_ptr self) {
  snakepit::execute_request req;
  req.command = "count";
  req.args_json = R"({"n": 1000000, "ms": 1})";
  self->state.taken = 0;
  self->request(self->state.pool, caf::infinite,
                snakepit::execute_stream_atom::value, std::move(req))
    .then([self](snakepit::execute_reply& end) {
      caf::aout(self) << "count: " << snakepit::describe(end) << std::endl;
      if (end.code() != snakepit::error_code::cancelled)
        *self->state.exit_code = 1;
      self->quit();
    });
}

/// Streams the words of a sentence, printing each as it arrives.
void stream_tokens(consumer_ptr self) {
  snakepit::execute_request req;
  req.command = "tokens";
  req.args_json = R"({"text": "each word leaves Python as soon as it is )"
                  R"(yielded and reaches C++ as a message"})";
  self->request(self->state.pool, caf::infinite,
                snakepit::execute_stream_atom::value, std::move(req))
    .then([self](snakepit::execute_reply& end) {
      caf::aout(self) << std::endl;
      if (!end)
        return fail(self, "tokens failed: " + snakepit::describe(end));
      caf::aout(self) << "tokens: " << end->chunks << " chunks, "
                      << end->chunk_bytes << " bytes, worker " << end->worker
                      << std::endl;
      count_then_cancel(self);
    });
}

caf::behavior consumer(consumer_ptr self, std::shared_ptr<snakepit::runtime> rt,
                       std::shared_ptr<std::atomic<int>> exit_code) {
  self->state.exit_code = std::move(exit_code);
  snakepit::pool_config cfg;
  cfg.name = "streams";
  cfg.size = 1;
  self->state.pool = snakepit::spawn_pool(self, cfg, rt->env());
  self->request(self->state.pool, 60s, snakepit::await_ready_atom::value)
    .then(
      [self](snakepit::pool_snapshot& status) {
        if (!status.all_ready())
          return fail(self, "pool failed: " + snakepit::describe(status.failed));
        stream_tokens(self);
      },
      [self](caf::error& err) {
        fail(self, "no answer from the pool: " + caf::to_string(err));
      });
  return {
    [self](const snakepit::stream_opened& opened) {
      self->state.stream_id = opened.stream_id;
    },
    [self](const snakepit::stream_chunk& chunk) {
      auto& st = self->state;
      if (chunk.stream_id != st.stream_id)
        return; // a late chunk of a stream given up
      caf::aout(self) << chunk.json << " " << std::flush;
      // Taken: the worker may send one more.
      self->send(st.pool, snakepit::stream_ack_atom::value, chunk.stream_id,
                 uint32_t{1});
      if (++st.taken == 5 && chunk.json.front() == '{')
        self->send(st.pool, snakepit::stream_cancel_atom::value,
                   chunk.stream_id);
    },
  };
}

} // namespace

int main() {
  spdlog::set_level(spdlog::level::warn);
  auto env = snakepit::bootstrap(snakepit::default_config());
  if (!env) {
    std::cerr << snakepit::describe(env.error()) << '\n';
    return 1;
  }
  auto exit_code = std::make_shared<std::atomic<int>>(0);
  (*env)->system().spawn(consumer, (*env)->runtime(), exit_code);
  (*env)->system().await_all_actors_done();
  return *exit_code;
}
