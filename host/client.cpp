#include <snakepit/client.hpp>

#include <caf/all.hpp>

#include <snakepit/errors.hpp>

#include "actors/request_checks.hpp"
#include "messages/atoms.hpp"

namespace snakepit {

namespace {

/// Extra wait beyond the pool's own deadlines before the client concludes
/// that the pool is gone (CAF 0.17 does not report a dropped promise).
constexpr std::chrono::seconds reply_margin{30};

/// Bound on administrative requests (lookup, status).
constexpr std::chrono::seconds admin_timeout{10};

execute_reply failed_reply(failure f) {
  execute_reply r;
  r.error = std::move(f);
  return r;
}

std::optional<pool_snapshot> ask_status(caf::scoped_actor& self,
                                      const pool_actor& pool) {
  std::optional<pool_snapshot> out;
  self->request(pool, admin_timeout, status_atom::value)
    .receive([&](pool_snapshot& s) { out = std::move(s); },
             [&](caf::error&) {});
  return out;
}

} // namespace

client::client(caf::actor_system& sys, host_actor root,
               std::string default_pool)
  : sys_(sys), root_(std::move(root)), default_pool_(std::move(default_pool)) {
}

std::variant<client::pool_entry, failure>
client::find_pool(const std::string& name) {
  if (auto problem = check_name("pool", name, detail::pool_rules);
      !problem.empty())
    return make_failure(error_code::invalid_arguments, std::move(problem));
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto i = pools_.find(name); i != pools_.end())
      return i->second;
  }
  caf::scoped_actor self{sys_};
  std::variant<pool_entry, failure> out
    = make_failure(error_code::pool_not_found, "no pool named '" + name + "'");
  pool_actor found;
  self->request(root_, admin_timeout, lookup_atom::value, name)
    .receive([&](pool_actor& pool) { found = std::move(pool); },
             [&](caf::error& err) {
               // Anything but the expected pool_not_found (e.g. no answer
               // in time) is reported as it is.
               if (auto f = from_caf_error(err);
                   f.code != error_code::pool_not_found)
                 out = std::move(f);
             });
  if (!found)
    return out;
  auto status = ask_status(self, found);
  if (!status)
    return out;
  pool_entry entry{found, std::chrono::milliseconds{status->queue_timeout_ms},
                   std::chrono::milliseconds{status->request_timeout_ms}};
  std::lock_guard<std::mutex> guard{mtx_};
  pools_[name] = entry;
  return entry;
}

void client::forget(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  pools_.erase(name);
}

execute_reply client::execute(execute_request req) {
  if (req.pool.empty())
    req.pool = default_pool_;
  auto found = find_pool(req.pool);
  if (auto* f = std::get_if<failure>(&found))
    return failed_reply(std::move(*f));
  auto* pool = &std::get<pool_entry>(found);
  auto run_timeout = req.timeout.count() > 0 ? req.timeout
                                             : pool->request_timeout;
  auto wait = pool->queue_timeout + run_timeout + reply_margin;
  auto name = req.pool;
  execute_reply out;
  caf::scoped_actor self{sys_};
  self->request(pool->handle, wait, execute_atom::value, std::move(req))
    .receive([&](execute_reply& reply) { out = std::move(reply); },
             [&](caf::error& err) {
               forget(name);
               out = failed_reply(
                 make_failure(error_code::internal,
                              "no reply from pool " + name + ": "
                                + caf::to_string(err)));
             });
  return out;
}

execute_reply client::execute(const std::string& pool,
                              const std::string& command,
                              const std::string& args_json) {
  execute_request req;
  req.pool = pool;
  req.command = command;
  req.args_json = args_json;
  return execute(std::move(req));
}

std::optional<pool_snapshot>
client::await_ready(const std::string& pool,
                    std::chrono::milliseconds timeout) {
  auto entry = find_pool(pool);
  if (std::holds_alternative<failure>(entry))
    return std::nullopt;
  std::optional<pool_snapshot> out;
  caf::scoped_actor self{sys_};
  self->request(std::get<pool_entry>(entry).handle, timeout,
                await_ready_atom::value)
    .receive([&](pool_snapshot& s) { out = std::move(s); },
             [&](caf::error&) {});
  return out;
}

std::variant<pool_snapshot, failure>
client::inspect(const std::string& pool) {
  auto entry = find_pool(pool);
  if (auto* f = std::get_if<failure>(&entry))
    return std::move(*f);
  std::variant<pool_snapshot, failure> out;
  caf::scoped_actor self{sys_};
  self->request(std::get<pool_entry>(entry).handle, admin_timeout,
                inspect_atom::value)
    .receive([&](pool_snapshot& p) { out = std::move(p); },
             [&](caf::error& err) {
               forget(pool);
               out = make_failure(error_code::internal,
                                  "no inspection from pool " + pool + ": "
                                    + caf::to_string(err));
             });
  return out;
}

std::variant<recycle_ack, failure>
client::recycle(const std::string& pool, const std::string& worker_id) {
  auto entry = find_pool(pool);
  if (auto* f = std::get_if<failure>(&entry))
    return std::move(*f);
  std::variant<recycle_ack, failure> out;
  caf::scoped_actor self{sys_};
  self->request(std::get<pool_entry>(entry).handle, admin_timeout,
                recycle_atom::value, worker_id)
    .receive([&](recycle_ack& ack) { out = std::move(ack); },
             [&](caf::error& err) { out = from_caf_error(err); });
  return out;
}

std::variant<restart_ack, failure> client::restart(const std::string& pool) {
  auto entry = find_pool(pool);
  if (auto* f = std::get_if<failure>(&entry))
    return std::move(*f);
  std::variant<restart_ack, failure> out;
  caf::scoped_actor self{sys_};
  self->request(std::get<pool_entry>(entry).handle, admin_timeout,
                restart_atom::value)
    .receive([&](restart_ack& ack) { out = std::move(ack); },
             [&](caf::error& err) { out = from_caf_error(err); });
  return out;
}

std::optional<pool_snapshot> client::status(const std::string& pool) {
  auto entry = find_pool(pool);
  if (std::holds_alternative<failure>(entry))
    return std::nullopt;
  caf::scoped_actor self{sys_};
  if (auto out = ask_status(self, std::get<pool_entry>(entry).handle))
    return out;
  forget(pool);
  return std::nullopt;
}

} // namespace snakepit
