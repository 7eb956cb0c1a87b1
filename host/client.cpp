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

/// Sends `xs...` to `pool` and waits up to `timeout` for its `Reply`; an
/// error (no answer in time included) becomes `on_error(err)`.
template <class Reply, class OnError, class... Ts>
result<Reply> ask(caf::actor_system& sys, const pool_actor& pool,
                  std::chrono::milliseconds timeout, OnError on_error,
                  Ts&&... xs) {
  result<Reply> out;
  caf::scoped_actor self{sys};
  self->request(pool, timeout, std::forward<Ts>(xs)...)
    .receive([&](Reply& r) { out = std::move(r); },
             [&](caf::error& err) { out = on_error(err); });
  return out;
}

/// Asks `pool` for its status; `internal` when it does not answer.
result<pool_snapshot> ask_status(caf::actor_system& sys,
                                 const pool_actor& pool,
                                 const std::string& name) {
  return ask<pool_snapshot>(
    sys, pool, admin_timeout,
    [&](const caf::error& err) {
      return make_failure(error_code::internal, "no status from pool " + name
                                                  + ": " + caf::to_string(err));
    },
    status_atom::value);
}

} // namespace

client::client(caf::actor_system& sys, host_actor root,
               std::string default_pool)
  : sys_(sys), root_(std::move(root)), default_pool_(std::move(default_pool)) {
}

result<client::pool_entry> client::find_pool(const std::string& name) {
  if (auto problem = check_name("pool", name, detail::pool_rules);
      !problem.empty())
    return make_failure(error_code::invalid_arguments, std::move(problem));
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto i = pools_.find(name); i != pools_.end())
      return i->second;
  }
  caf::scoped_actor self{sys_};
  failure not_found
    = make_failure(error_code::pool_not_found, "no pool named '" + name + "'");
  pool_actor found;
  self->request(root_, admin_timeout, lookup_atom::value, name)
    .receive([&](pool_actor& pool) { found = std::move(pool); },
             [&](caf::error& err) {
               // Anything but the expected pool_not_found (e.g. no answer
               // in time) is reported as it is.
               if (auto f = from_caf_error(err);
                   f.code != error_code::pool_not_found)
                 not_found = std::move(f);
             });
  if (!found)
    return not_found;
  auto status = ask_status(sys_, found, name);
  if (!status)
    return not_found;
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
  auto pool = find_pool(req.pool);
  if (!pool)
    return std::move(pool).error();
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
               out = make_failure(error_code::internal,
                                  "no reply from pool " + name + ": "
                                    + caf::to_string(err));
             });
  return out;
}

stream_reader client::stream(execute_request req) {
  if (req.pool.empty())
    req.pool = default_pool_;
  auto pool = find_pool(req.pool);
  if (!pool)
    return stream_reader{sys_, std::move(pool).error()};
  return stream_reader{sys_, pool->handle, std::move(req)};
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

result<pool_snapshot> client::await_ready(const std::string& pool,
                                        std::chrono::milliseconds timeout) {
  auto entry = find_pool(pool);
  if (!entry)
    return std::move(entry).error();
  return ask<pool_snapshot>(
    sys_, entry->handle, timeout,
    [&](const caf::error& err) {
      return make_failure(error_code::request_timeout,
                          "pool " + pool + " not ready within "
                            + std::to_string(timeout.count())
                            + " ms: " + caf::to_string(err));
    },
    await_ready_atom::value);
}

result<pool_snapshot> client::inspect(const std::string& pool) {
  auto entry = find_pool(pool);
  if (!entry)
    return std::move(entry).error();
  return ask<pool_snapshot>(
    sys_, entry->handle, admin_timeout,
    [&](const caf::error& err) {
      forget(pool);
      return make_failure(error_code::internal, "no inspection from pool "
                                                  + pool + ": "
                                                  + caf::to_string(err));
    },
    inspect_atom::value);
}

result<recycle_ack> client::recycle(const std::string& pool,
                                    const std::string& worker_id) {
  auto entry = find_pool(pool);
  if (!entry)
    return std::move(entry).error();
  return ask<recycle_ack>(sys_, entry->handle, admin_timeout, from_caf_error,
                          recycle_atom::value, worker_id);
}

result<restart_ack> client::restart(const std::string& pool) {
  auto entry = find_pool(pool);
  if (!entry)
    return std::move(entry).error();
  return ask<restart_ack>(sys_, entry->handle, admin_timeout, from_caf_error,
                          restart_atom::value);
}

result<bool> client::close_session(const std::string& pool,
                                   const std::string& session_id) {
  auto entry = find_pool(pool);
  if (!entry)
    return std::move(entry).error();
  return ask<bool>(sys_, entry->handle, admin_timeout, from_caf_error,
                   close_session_atom::value, session_id);
}

result<pool_snapshot> client::status(const std::string& pool) {
  auto entry = find_pool(pool);
  if (!entry)
    return std::move(entry).error();
  auto out = ask_status(sys_, entry->handle, pool);
  if (!out)
    forget(pool);
  return out;
}

} // namespace snakepit
