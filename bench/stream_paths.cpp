#include "bench/stream_paths.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include <snakepit/snakepit.hpp>

#include "bench/stats.hpp"

namespace snakepit::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// Starts a measured stream of a `stream_consumer`:
/// `(stream_run_atom, request, batch) -> bool`.
using stream_run_atom = caf::atom_constant<caf::atom("bn_srun")>;

/// Counts one received value into `out`: a chunk, and the gap since the
/// one before (none before the first).
void count_chunk(transfer_samples& out, std::size_t size,
                 clock_type::time_point& last) {
  auto now = clock_type::now();
  if (out.chunks > 0)
    out.gaps_ns.push_back(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - last)
        .count());
  last = now;
  ++out.chunks;
  out.bytes += size;
}

std::size_t size_of(const stream_chunk& c) {
  return c.binary ? c.data.size() : c.json.size();
}

struct consumer_state {
  pool_actor pool;
  std::shared_ptr<transfer_samples> out;
  uint32_t batch = 1;
  uint32_t unacked = 0;
  clock_type::time_point start;
  clock_type::time_point last;
  caf::response_promise done;

  static inline const char* name = "bench.stream_consumer";
};

using consumer_ptr = caf::stateful_actor<consumer_state>*;

/// Ends a run: the wall time, the failure if any, the reply.
void finish(consumer_ptr self, std::string error) {
  auto& st = self->state;
  st.out->wall = clock_type::now() - st.start;
  if (st.out->error.empty())
    st.out->error = std::move(error);
  st.done.deliver(true);
}

caf::behavior consumer(consumer_ptr self, pool_actor pool,
                       std::shared_ptr<transfer_samples> out) {
  self->state.pool = std::move(pool);
  self->state.out = std::move(out);
  return {
    [self](stream_run_atom, const execute_request& req, uint32_t batch) {
      auto& st = self->state;
      *st.out = transfer_samples{};
      st.batch = batch;
      st.unacked = 0;
      st.done = self->make_response_promise();
      st.start = clock_type::now();
      self->request(st.pool, caf::infinite, execute_stream_atom::value, req)
        .then(
          [self](execute_reply& end) {
            finish(self, end ? std::string{} : describe(end.error()));
          },
          [self](caf::error& err) { finish(self, caf::to_string(err)); });
      return st.done;
    },
    [](const stream_opened&) {},
    [self](const stream_chunk& c) {
      auto& st = self->state;
      count_chunk(*st.out, size_of(c), st.last);
      if (++st.unacked >= st.batch) {
        self->send(st.pool, stream_ack_atom::value, c.stream_id, st.unacked);
        st.unacked = 0;
      }
    },
  };
}

} // namespace

transfer_samples run_stream_blocking(client& c, const execute_request& req) {
  transfer_samples out;
  auto start = clock_type::now();
  auto last = start;
  auto reader = c.stream(req);
  while (auto chunk = reader.next())
    count_chunk(out, size_of(*chunk), last);
  out.wall = clock_type::now() - start;
  if (!reader.outcome())
    out.error = describe(reader.outcome().error());
  return out;
}

transfer_samples run_calls_blocking(client& c, const execute_request& req,
                                    int calls) {
  transfer_samples out;
  out.gaps_ns.reserve(calls);
  auto start = clock_type::now();
  for (int i = 0; i < calls; ++i) {
    auto call_start = clock_type::now();
    auto reply = c.execute(req);
    out.gaps_ns.push_back(ns_since(call_start));
    if (!reply) {
      if (out.error.empty())
        out.error = describe(reply.error());
      continue;
    }
    ++out.chunks;
    out.bytes += reply->binary ? reply->binary_result.size()
                               : reply->result_json.size();
  }
  out.wall = clock_type::now() - start;
  return out;
}

host_loop_figures run_host_loop(client& c, const std::string& pool,
                                const std::string& tool, int calls) {
  execute_request req;
  req.pool = pool;
  req.command = "time_host_calls";
  req.args_json = nlohmann::json{{"tool", tool},
                                 {"calls", calls},
                                 {"arguments", {{"x", 1}}}}
                    .dump();
  auto reply = c.execute(req);
  host_loop_figures out;
  if (!reply) {
    out.error = describe(reply.error());
    return out;
  }
  auto timed = nlohmann::json::parse(reply->result_json, nullptr, false);
  auto number = [&timed](const char* key) {
    return timed.is_object() && timed.contains(key)
           && timed[key].is_number();
  };
  if (!number("host_us") || !number("local_us")) {
    out.error = "time_host_calls answered " + reply->result_json;
    return out;
  }
  out.host_us = timed["host_us"].get<double>();
  out.local_us = timed["local_us"].get<double>();
  return out;
}

stream_consumer::stream_consumer(caf::actor_system& sys, pool_actor pool)
  : sys_(sys), out_(std::make_shared<transfer_samples>()) {
  self_ = sys.spawn(consumer, std::move(pool), out_);
}

stream_consumer::~stream_consumer() {
  caf::anon_send_exit(self_, caf::exit_reason::user_shutdown);
}

transfer_samples stream_consumer::run(const execute_request& req,
                                      uint32_t batch) {
  caf::scoped_actor self{sys_};
  bool ok = false;
  self->request(self_, caf::infinite, stream_run_atom::value, req, batch)
    .receive([&](bool) { ok = true; }, [](caf::error&) {});
  if (!ok) {
    transfer_samples failed;
    failed.error = "the stream consumer did not answer";
    return failed;
  }
  // The consumer wrote `out_` before replying: the reply orders the
  // accesses.
  return *out_;
}

} // namespace snakepit::bench
