#include "cluster/remote_stream.hpp"

#include <caf/all.hpp>

#include <snakepit/errors.hpp>
#include <snakepit/streams.hpp>

namespace snakepit {

namespace {

struct relay_state {
  /// The stream's id at the other host, once opened.
  uint64_t stream_id = 0;
  bool ended = false;

  static inline const char* name = "snakepit.remote_stream_relay";
};

caf::behavior relay(caf::stateful_actor<relay_state>* self, caf::actor owner,
                    caf::actor caller, pool_actor remote,
                    execute_request req, uint64_t call,
                    caf::timespan timeout) {
  auto end = [self, owner, call](execute_reply reply) {
    if (self->state.ended)
      return;
    self->state.ended = true;
    self->send(owner, stream_ended_atom::value, call, std::move(reply));
    self->quit();
  };
  self->monitor(caller);
  // The caller went away: the stream there is cancelled, and its end
  // (cancelled) still reaches the remote pool.
  self->set_down_handler([self, remote](caf::down_msg&) {
    if (self->state.stream_id != 0)
      self->send(remote, stream_cancel_atom::value, self->state.stream_id);
  });
  self->request(remote, timeout, execute_stream_atom::value, std::move(req))
    .then([end](execute_reply& reply) { end(std::move(reply)); },
          [end](caf::error& err) {
            end(execute_reply{make_failure(
              err == caf::sec::request_timeout ? error_code::request_timeout
                                               : error_code::node_down,
              "the stream through the remote pool got no end: "
                + caf::to_string(err))});
          });
  return {
    [self, owner, caller, call](const stream_opened& opened) {
      self->state.stream_id = opened.stream_id;
      self->send(owner, stream_relayed_atom::value, call, opened.stream_id);
      self->send(caller, opened);
    },
    [self, caller](stream_chunk& chunk) {
      self->send(caller, std::move(chunk));
    },
    // From the remote pool, which checked that the caller sent them.
    [self, remote](stream_ack_atom atom, uint64_t id, uint32_t n) {
      self->send(remote, atom, id, n);
    },
    [self, remote](stream_cancel_atom atom, uint64_t id) {
      self->send(remote, atom, id);
    },
  };
}

} // namespace

caf::actor spawn_stream_relay(caf::local_actor* owner, caf::actor caller,
                              pool_actor remote, execute_request req,
                              uint64_t call, caf::timespan timeout) {
  return owner->spawn(relay, caf::actor_cast<caf::actor>(owner),
                      std::move(caller), std::move(remote), std::move(req),
                      call, timeout);
}

} // namespace snakepit
