#include "cluster/stream_relay.hpp"

#include <caf/all.hpp>

#include <snakepit/errors.hpp>
#include <snakepit/streams.hpp>

namespace snakepit {

namespace {

struct relay_state {
  /// The stream's id at the serving pool, once opened.
  uint64_t there = 0;
  /// The caller went away or cancelled before the stream opened.
  bool cancel_on_open = false;
  bool ended = false;

  static inline const char* name = "snakepit.stream_relay";
};

using relay_ptr = caf::stateful_actor<relay_state>*;

caf::behavior relay(relay_ptr self, caf::actor owner, caf::actor caller,
                    pool_actor pool, execute_request req, uint64_t call,
                    caf::duration timeout) {
  auto end = [self, owner, call](execute_reply reply) {
    if (self->state.ended)
      return;
    self->state.ended = true;
    self->send(owner, stream_ended_atom::value, call, std::move(reply));
    self->quit();
  };
  self->monitor(caller);
  // The caller went away: the stream there is cancelled (at once, or as
  // soon as it opens), and its end (cancelled) still reaches the owner.
  self->set_down_handler([self, pool](caf::down_msg&) {
    if (self->state.there != 0)
      self->send(pool, stream_cancel_atom::value, self->state.there);
    else
      self->state.cancel_on_open = true;
  });
  self->request(pool, timeout, execute_stream_atom::value, std::move(req))
    .then([end](execute_reply& reply) { end(std::move(reply)); },
          [end](caf::error& err) {
            end(execute_reply{make_failure(
              err == caf::sec::request_timeout ? error_code::request_timeout
                                               : error_code::node_down,
              "the stream got no end from the pool serving it: "
                + caf::to_string(err))});
          });
  return {
    [self, pool, caller, call](const stream_opened& opened) {
      self->state.there = opened.stream_id;
      if (self->state.cancel_on_open)
        self->send(pool, stream_cancel_atom::value, opened.stream_id);
      else
        self->send(caller, stream_opened{call});
    },
    [caller, call, self](stream_chunk& chunk) {
      chunk.stream_id = call;
      self->send(caller, std::move(chunk));
    },
    // From the owner, which checked that the caller sent them; before the
    // stream opened the caller cannot know its id, but may guess it.
    [self, pool](stream_ack_atom atom, uint64_t, uint32_t n) {
      if (self->state.there != 0)
        self->send(pool, atom, self->state.there, n);
    },
    [self, pool](stream_cancel_atom atom, uint64_t) {
      if (self->state.there != 0)
        self->send(pool, atom, self->state.there);
      else
        self->state.cancel_on_open = true;
    },
  };
}

} // namespace

failure no_stream_caller() {
  return make_failure(error_code::invalid_arguments,
                      "a stream needs an actor to send its chunks to; "
                      "request it from one");
}

void stream_relays::open(caf::local_actor* owner, caf::actor caller,
                         pool_actor pool, execute_request req, uint64_t call,
                         caf::duration timeout) {
  auto r = owner->spawn(relay, caf::actor_cast<caf::actor>(owner), caller,
                        std::move(pool), std::move(req), call, timeout);
  links_[call] = link{std::move(r), std::move(caller)};
}

const stream_relays::link*
stream_relays::from_caller(caf::local_actor* owner, uint64_t call) const {
  auto i = links_.find(call);
  if (i == links_.end()
      || owner->current_sender()
           != caf::actor_cast<caf::strong_actor_ptr>(i->second.caller))
    return nullptr;
  return &i->second;
}

void stream_relays::ack(caf::local_actor* owner, uint64_t call,
                        uint32_t chunks) {
  if (const auto* l = from_caller(owner, call))
    caf::anon_send(l->relay, stream_ack_atom::value, call, chunks);
}

void stream_relays::cancel(caf::local_actor* owner, uint64_t call) {
  if (const auto* l = from_caller(owner, call))
    caf::anon_send(l->relay, stream_cancel_atom::value, call);
}

void stream_relays::ended(uint64_t call) {
  links_.erase(call);
}

void stream_relays::stop(caf::local_actor* owner, uint64_t call) {
  auto i = links_.find(call);
  if (i == links_.end())
    return;
  owner->send_exit(i->second.relay, caf::exit_reason::user_shutdown);
  links_.erase(i);
}

void stream_relays::stop_all(caf::local_actor* owner) {
  for (auto& [call, l] : links_)
    owner->send_exit(l.relay, caf::exit_reason::user_shutdown);
  links_.clear();
}

} // namespace snakepit
