#include "actors/pool_streams.hpp"

#include <vector>

#include <snakepit/streams.hpp>

#include "actors/pool_requests.hpp"
#include "messages/worker_messages.hpp"

namespace snakepit::detail {

uint64_t open_stream(pool_ptr self) {
  auto caller = caf::actor_cast<caf::actor>(self->current_sender());
  if (!caller)
    return 0;
  auto& streams = self->state.streams;
  auto id = streams.next_id++;
  streams.open.emplace(id, stream_entry{caller, 0, false});
  if (streams.callers[caller.address()]++ == 0)
    self->monitor(caller);
  self->send(caller, stream_opened{id});
  return id;
}

caf::actor stream_caller(pool_ptr self, uint64_t id) {
  auto& open = self->state.streams.open;
  auto i = open.find(id);
  if (i == open.end() || i->second.cancelled)
    return {};
  return i->second.caller;
}

void stream_dispatched(pool_ptr self, uint64_t id, uint64_t call_id) {
  auto& open = self->state.streams.open;
  if (auto i = open.find(id); i != open.end())
    i->second.call_id = call_id;
}

void end_stream(pool_ptr self, uint64_t id) {
  auto& streams = self->state.streams;
  auto i = streams.open.find(id);
  if (i == streams.open.end())
    return;
  auto caller = std::move(i->second.caller);
  streams.open.erase(i);
  auto c = streams.callers.find(caller.address());
  if (c != streams.callers.end() && --c->second == 0) {
    streams.callers.erase(c);
    self->demonitor(caller);
  }
}

namespace {

/// Whether the current message comes from the caller of `entry`: another
/// actor that guessed a stream's id may neither acknowledge nor cancel it.
bool from_caller(pool_ptr self, const stream_entry& entry) {
  return self->current_sender() == caf::actor_cast<caf::strong_actor_ptr>(
           entry.caller);
}

/// Ends stream `id` with `cancelled` (see `on_stream_cancel`).
void cancel_stream(pool_ptr self, uint64_t id) {
  auto& open = self->state.streams.open;
  auto i = open.find(id);
  if (i == open.end() || i->second.cancelled)
    return;
  auto call_id = i->second.call_id;
  if (call_id == 0) {
    // Checked or queued: answered with `cancelled` instead of dispatched.
    i->second.cancelled = true;
    return;
  }
  if (auto worker = worker_of_call(self, call_id))
    self->send(worker, stream_cancel{call_id});
  end_call_early(self, call_id,
                 make_failure(error_code::cancelled,
                              "the caller cancelled the stream"));
}

} // namespace

void on_stream_ack(pool_ptr self, uint64_t id, uint32_t chunks) {
  auto& open = self->state.streams.open;
  auto i = open.find(id);
  if (i == open.end() || i->second.call_id == 0 || chunks == 0
      || !from_caller(self, i->second))
    return; // ended already, acknowledged before any chunk came, or not
            // its caller
  if (auto worker = worker_of_call(self, i->second.call_id))
    self->send(worker, stream_grant{i->second.call_id, chunks});
}

void on_stream_cancel(pool_ptr self, uint64_t id) {
  auto& open = self->state.streams.open;
  if (auto i = open.find(id); i != open.end() && from_caller(self, i->second))
    cancel_stream(self, id);
}

bool on_stream_caller_down(pool_ptr self, const caf::actor_addr& source) {
  if (self->state.streams.callers.count(source) == 0)
    return false;
  std::vector<uint64_t> theirs;
  for (const auto& [id, entry] : self->state.streams.open)
    if (entry.caller.address() == source)
      theirs.push_back(id);
  for (auto id : theirs)
    cancel_stream(self, id);
  return true;
}

} // namespace snakepit::detail
