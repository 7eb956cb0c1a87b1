#include <snakepit/supervision.hpp>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <unordered_set>

#include <snakepit/errors.hpp>

#include "core/input_text.hpp"
#include "core/restart_budget.hpp"
#include "messages/atoms.hpp"
#include "supervisors/host_supervisor.hpp"

namespace snakepit {

namespace {

/// Ends a graceful child stop: kill whatever is still running.
using kill_atom = caf::atom_constant<caf::atom("sp_kill")>;

struct child {
  child_spec spec;
  caf::actor handle;
  /// Stopped by us as part of a group restart: its exit is not a failure.
  bool stopping_for_restart = false;
  /// Waiting for its restart timer.
  bool restart_pending = false;
  /// Former instances replaced by `replace_child_atom` that have not exited
  /// yet: stopped at shutdown, never restarted.
  std::vector<caf::actor> retiring;
  /// Delays of the exits charged to this child's own backoff; created at
  /// the first such exit.
  std::optional<restart_budget> backoff;
};

struct supervisor_state {
  supervisor_flags flags;
  std::vector<child> children;
  std::optional<restart_budget> budget;
  bool shutting_down = false;
  caf::error exit_reason;
  /// Children whose exit was seen by one of its two notices (down message,
  /// link exit message) but not yet by the other, in either order.
  std::unordered_set<caf::actor_addr> half_exited;

  static inline const char* name = "snakepit.supervisor";
};

using sup_ptr = caf::stateful_actor<supervisor_state>*;

void start_child(sup_ptr self, child& c) {
  c.restart_pending = false;
  c.stopping_for_restart = false;
  c.handle = c.spec.start(self);
  self->monitor(c.handle);
}

child* find_child(sup_ptr self, const caf::actor_addr& addr) {
  for (auto& c : self->state.children)
    if (c.handle && c.handle.address() == addr)
      return &c;
  return nullptr;
}

/// Starts a new instance of child `id` while the running one retires, if
/// that one is `*expected` (any when null); the new instance, or invalid
/// when the child is not running it (restarting, or restarted since the
/// caller looked) or the supervisor is shutting down.
caf::actor replace_child(sup_ptr self, const std::string& id,
                         const caf::actor* expected) {
  auto& st = self->state;
  if (st.shutting_down)
    return {};
  for (auto& c : st.children) {
    if (c.spec.id != id || !c.handle
        || (expected != nullptr && c.handle != *expected))
      continue;
    spdlog::debug("{}: replacing child {}", st.flags.name, id);
    c.retiring.push_back(std::move(c.handle));
    start_child(self, c);
    return c.handle;
  }
  return {};
}

/// Forgets the retired instance `addr`; false when it is none.
bool forget_retired(sup_ptr self, const caf::actor_addr& addr) {
  for (auto& c : self->state.children) {
    auto i = std::find_if(c.retiring.begin(), c.retiring.end(),
                          [&](const caf::actor& a) {
                            return a.address() == addr;
                          });
    if (i != c.retiring.end()) {
      c.retiring.erase(i);
      return true;
    }
  }
  return false;
}

bool is_retired(sup_ptr self, const caf::actor_addr& addr) {
  for (auto& c : self->state.children)
    for (auto& a : c.retiring)
      if (a.address() == addr)
        return true;
  return false;
}

bool any_alive(sup_ptr self) {
  return std::any_of(self->state.children.begin(), self->state.children.end(),
                     [](const child& c) {
                       return c.handle || !c.retiring.empty();
                     });
}

/// Stops every child: graceful exit now, kill after the longest timeout.
void shut_down(sup_ptr self, caf::error reason) {
  auto& st = self->state;
  st.shutting_down = true;
  st.exit_reason = std::move(reason);
  std::chrono::milliseconds longest{0};
  for (auto& c : st.children) {
    for (auto& old : c.retiring)
      self->send_exit(old, caf::exit_reason::user_shutdown);
    if (c.handle)
      self->send_exit(c.handle, caf::exit_reason::user_shutdown);
    if (c.handle || !c.retiring.empty())
      longest = std::max(longest, c.spec.shutdown_timeout);
  }
  if (!any_alive(self)) {
    self->quit(st.exit_reason);
    return;
  }
  self->delayed_send(self, longest, kill_atom::value);
}

void escalate(sup_ptr self, const child& c, const caf::error& reason,
              int failures) {
  auto f = from_caf_error(reason);
  spdlog::error("{}: child {} failed {} times within {} ms; giving up: {}",
                self->state.flags.name, c.spec.id, failures,
                self->state.flags.period.count(), f.message);
  f.message = self->state.flags.name + " gave up after " + std::to_string(failures)
              + " failures of " + c.spec.id + " within "
              + std::to_string(self->state.flags.period.count())
              + " ms; last: " + f.message;
  shut_down(self, to_caf_error(f));
}

/// Indices of the children that restart together with child `i`.
std::vector<size_t> restart_group(sup_ptr self, size_t i) {
  auto& st = self->state;
  std::vector<size_t> out;
  switch (st.flags.strategy) {
    case restart_strategy::one_for_one:
      out.push_back(i);
      break;
    case restart_strategy::one_for_all:
      for (size_t k = 0; k < st.children.size(); ++k)
        out.push_back(k);
      break;
    case restart_strategy::rest_for_one:
      for (size_t k = i; k < st.children.size(); ++k)
        out.push_back(k);
      break;
  }
  return out;
}

/// Schedules the restart of every child of the group once all are down.
void schedule_group_restart(sup_ptr self, const std::vector<size_t>& group,
                            std::chrono::milliseconds delay) {
  auto& st = self->state;
  for (auto k : group) {
    auto& c = st.children[k];
    if (c.spec.restart == restart_type::temporary && !c.handle)
      continue;
    c.restart_pending = true;
    if (c.handle) {
      c.stopping_for_restart = true;
      self->send_exit(c.handle, caf::exit_reason::user_shutdown);
    } else {
      self->delayed_send(self, delay, restart_atom::value, c.spec.id);
    }
  }
}

restart_budget& child_backoff(sup_ptr self, child& c) {
  const auto& flags = self->state.flags;
  if (!c.backoff)
    c.backoff = restart_budget::unlimited(flags.period, flags.backoff,
                                          flags.backoff_max);
  return *c.backoff;
}

bool needs_restart(const child& c, const caf::error& reason) {
  switch (c.spec.restart) {
    case restart_type::permanent:
      return true;
    case restart_type::transient:
      return !is_normal_exit(reason);
    case restart_type::temporary:
      return false;
  }
  return false;
}

void on_child_down(sup_ptr self, child& c, const caf::error& reason) {
  auto& st = self->state;
  c.handle = nullptr;
  spdlog::debug("{}: child {} down ({})", st.flags.name, c.spec.id,
                caf::to_string(reason));
  if (st.shutting_down) {
    if (!any_alive(self))
      self->quit(st.exit_reason);
    return;
  }
  if (c.stopping_for_restart) {
    // Part of a group restart: restart it with the group's delay.
    c.stopping_for_restart = false;
    self->delayed_send(self, st.flags.backoff, restart_atom::value, c.spec.id);
    return;
  }
  if (!needs_restart(c, reason)) {
    spdlog::debug("{}: child {} exited ({}), not restarted", st.flags.name,
                  c.spec.id, caf::to_string(reason));
    return;
  }
  auto charge = c.spec.charge ? c.spec.charge(reason)
                              : failure_charge::budget;
  auto& budget = charge == failure_charge::budget ? *st.budget
                                                  : child_backoff(self, c);
  // The actor clock: CAF's test coordinator drives it in tests.
  auto decision = budget.record_failure(self->clock().now());
  if (!decision.allowed) {
    escalate(self, c, reason, decision.failures_in_period);
    return;
  }
  spdlog::warn("{}: child {} exited ({}); restarting in {} ms{}",
               st.flags.name, c.spec.id, from_caf_error(reason).message,
               decision.delay.count(),
               charge == failure_charge::backoff ? " (not charged to the "
                                                   "restart budget)"
                                                 : "");
  auto index = static_cast<size_t>(&c - st.children.data());
  schedule_group_restart(self, restart_group(self, index), decision.delay);
}

/// The child with id `id`, or nullptr.
child* child_named(sup_ptr self, const std::string& id) {
  for (auto& c : self->state.children)
    if (c.spec.id == id)
      return &c;
  return nullptr;
}

/// The child named `id` (its handle is invalid while it restarts), or
/// `pool_not_found`.
caf::expected<caf::actor> lookup_child(sup_ptr self, const std::string& id) {
  if (auto* c = child_named(self, id))
    return c->handle;
  return to_caf_error(make_failure(error_code::pool_not_found,
                                   self->state.flags.name
                                     + " has no pool or child named "
                                     + quote_prefix(id)));
}

/// Moves `instance`, running as child `from`, into child `into`, whose
/// instance retires; `from` starts anew. False when nothing changed.
bool adopt_child(sup_ptr self, const std::string& from,
                 const std::string& into, const caf::actor& instance) {
  auto& st = self->state;
  auto* source = child_named(self, from);
  auto* target = child_named(self, into);
  if (st.shutting_down || !source || !target || source == target
      || !instance || source->handle != instance || !target->handle)
    return false;
  spdlog::debug("{}: child {} takes over from child {}", st.flags.name, from,
                into);
  target->retiring.push_back(std::move(target->handle));
  target->handle = std::move(source->handle);
  start_child(self, *source);
  return true;
}

caf::behavior supervisor_behavior(sup_ptr self, supervisor_flags flags,
                                  std::vector<child_spec> specs) {
  auto& st = self->state;
  st.flags = std::move(flags);
  st.budget.emplace(st.flags.intensity, st.flags.period, st.flags.backoff,
                    st.flags.backoff_max);
  for (auto& spec : specs)
    st.children.push_back(child{std::move(spec), {}, false, false, {}, {}});
  for (auto& c : st.children)
    start_child(self, c);

  self->set_down_handler([self](caf::down_msg& msg) {
    auto& half = self->state.half_exited;
    auto* c = find_child(self, msg.source);
    if (!c) {
      if (!forget_retired(self, msg.source))
        return;
      if (half.erase(msg.source) == 0)
        half.insert(msg.source);
      if (self->state.shutting_down && !any_alive(self))
        self->quit(self->state.exit_reason);
      return;
    }
    if (half.erase(msg.source) == 0)
      half.insert(msg.source);
    on_child_down(self, *c, msg.reason);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // A child's exit is handled through its down message; anyone else's
    // exit message is a request to stop.
    auto& half = self->state.half_exited;
    if (find_child(self, msg.source) || is_retired(self, msg.source)) {
      half.insert(msg.source);
      return;
    }
    if (half.erase(msg.source) > 0 || self->state.shutting_down)
      return;
    shut_down(self, msg.reason);
  });

  return {
    [self](restart_atom, const std::string& id) {
      auto& st = self->state;
      if (st.shutting_down)
        return;
      for (auto& c : st.children)
        if (c.spec.id == id && c.restart_pending && !c.handle)
          start_child(self, c);
    },
    [self](kill_atom) {
      for (auto& c : self->state.children) {
        if (c.handle || !c.retiring.empty())
          spdlog::warn("{}: child {} did not stop within {} ms; killing it",
                       self->state.flags.name, c.spec.id,
                       c.spec.shutdown_timeout.count());
        if (c.handle)
          self->send_exit(c.handle, caf::exit_reason::kill);
        for (auto& old : c.retiring)
          self->send_exit(old, caf::exit_reason::kill);
      }
    },
    [self](replace_child_atom, const std::string& id) {
      return replace_child(self, id, nullptr);
    },
    [self](replace_child_atom, const std::string& id,
           const caf::actor& instance) {
      return instance ? replace_child(self, id, &instance) : caf::actor{};
    },
    [self](adopt_child_atom, const std::string& from, const std::string& into,
           const caf::actor& instance) {
      return adopt_child(self, from, into, instance);
    },
    [self](lookup_atom, const std::string& id) -> caf::result<caf::actor> {
      return lookup_child(self, id);
    },
  };
}

/// A host's root: a supervisor whose lookups answer typed pool handles
/// (its children are pools, see `spawn_host`).
caf::behavior host_supervisor_behavior(sup_ptr self, supervisor_flags flags,
                                       std::vector<child_spec> pools) {
  caf::message_handler typed_lookup{
    [self](lookup_atom, const std::string& id) -> caf::result<pool_actor> {
      auto child = lookup_child(self, id);
      if (!child)
        return std::move(child.error());
      return caf::actor_cast<pool_actor>(std::move(*child));
    },
  };
  return typed_lookup.or_else(
    supervisor_behavior(self, std::move(flags), std::move(pools)));
}

} // namespace

caf::actor spawn_supervisor(caf::local_actor* parent, supervisor_flags flags,
                            std::vector<child_spec> children) {
  return parent->spawn<caf::linked>(supervisor_behavior, std::move(flags),
                                    std::move(children));
}

caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_flags flags,
                            std::vector<child_spec> children) {
  return sys.spawn(supervisor_behavior, std::move(flags), std::move(children));
}

host_actor spawn_host_supervisor(caf::actor_system& sys,
                                 supervisor_flags flags,
                                 std::vector<child_spec> pools) {
  return caf::actor_cast<host_actor>(sys.spawn(
    host_supervisor_behavior, std::move(flags), std::move(pools)));
}

} // namespace snakepit
