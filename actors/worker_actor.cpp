#include "actors/worker_actor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include <snakepit/errors.hpp>
#include <snakepit/streams.hpp>
#include <snakepit/telemetry/bus.hpp>
#include <snakepit/telemetry/events.hpp>

#include "actors/actor_time.hpp"
#include "actors/ready_file.hpp"
#include "actors/host_call_runner.hpp"
#include "bridge/channel.hpp"
#include "core/health_tracker.hpp"
#include "messages/atoms.hpp"
#include "messages/worker_messages.hpp"
#include "process/run_directory.hpp"

namespace snakepit {

namespace {

using namespace std::chrono_literals;

/// How often the ready file is looked for during start-up.
constexpr auto ready_poll_interval = 5ms;

/// How often a worker with abandoned calls asks Python which still run.
constexpr auto probe_interval = 50ms;

/// Deadline of one probe.
constexpr auto probe_timeout = 1s;

/// How long a worker whose connection broke waits for its process's exit
/// (which names the exit code and output) before it stops the process.
constexpr auto exit_report_wait = 1s;

/// No process, in the cleanup slot.
constexpr uint64_t no_process = UINT64_MAX;

enum class phase { waiting_permit, starting, ready, stopping };

struct worker_state {
  worker_spec spec;
  phase current = phase::waiting_permit;
  std::string socket_path;
  std::string ready_path;
  uint64_t process = no_process;
  /// The launcher was asked for a process and has not answered yet.
  bool spawn_pending = false;
  int pid = 0;
  time_point start_deadline;
  std::shared_ptr<bridge::channel> channel;
  /// The process id a dying actor must kill (read by its attach_functor,
  /// which runs after the state is gone).
  std::shared_ptr<std::atomic<uint64_t>> cleanup
    = std::make_shared<std::atomic<uint64_t>>(no_process);
  /// Why the worker quits once its process is gone.
  caf::error quit_reason;
  /// Calls whose caller gave up, with the time their grace ends.
  std::map<uint64_t, time_point> abandoned;
  /// True while a probe timer or probe call is under way.
  bool probing = false;
  /// Health checks of the process, once it is ready (unless turned off).
  std::optional<health_tracker> health;
  /// True while a health timer is pending.
  bool health_timer_armed = false;
  /// When the process was asked for (start-up time is measured from here).
  time_point launched_at;

  static inline const char* name = "snakepit.worker";
};

using worker_ptr = caf::stateful_actor<worker_state>*;

/// Lets the pool's fork server fork the worker `spec` starts: the fork
/// server runs the same interpreter with the same environment, and the
/// worker gets the arguments that follow `-m snakepit_bridge`.
void add_fork_server(process::launch_spec& spec, const worker_state& st) {
  const auto& cfg = st.spec.pool;
  auto server = std::make_shared<process::fork_server_spec>();
  server->key = cfg.name;
  server->start.executable = spec.executable;
  server->start.tag = cfg.name + "/fork-server";
  server->start.env = spec.env;
  server->start.args = {"-m",
                        "snakepit_bridge.fork_server",
                        "--control-fd",
                        "3",
                        "--adapter",
                        cfg.adapter,
                        "--snakepit-run-id",
                        st.spec.env->run_id};
  if (cfg.preload)
    server->start.args.emplace_back("--preload");
  spec.forked_args.assign(spec.args.begin() + 2, spec.args.end());
  spec.fork_server = std::move(server);
}

process::launch_spec make_launch_spec(const worker_state& st) {
  const auto& cfg = st.spec.pool;
  process::launch_spec spec;
  spec.executable = cfg.python;
  spec.tag = st.spec.id;
  spec.args = {"-m",
               "snakepit_bridge",
               "--adapter",
               cfg.adapter,
               "--socket",
               st.socket_path,
               "--ready-file",
               st.ready_path,
               "--snakepit-run-id",
               st.spec.env->run_id,
               "--max-workers",
               std::to_string(slots_of(cfg)),
               "--max-json-depth",
               std::to_string(cfg.max_json_depth),
               "--max-message-bytes",
               std::to_string(cfg.max_message_bytes()),
               "--transport",
               to_string(cfg.transport),
               // After SIGTERM Python waits for its calls in flight up to
               // this long and leaves once they are answered; the launcher
               // kills it after the same grace in any case.
               "--shutdown-grace",
               std::to_string(cfg.shutdown_timeout.count() / 1000.0)};
  if (cfg.thread_safety_checks)
    spec.args.emplace_back("--thread-safety-checks");
  if (!cfg.adapter_args.empty()) {
    spec.args.emplace_back("--");
    spec.args.insert(spec.args.end(), cfg.adapter_args.begin(),
                     cfg.adapter_args.end());
  }
  spec.env = cfg.env;
  auto& pythonpath = spec.env["PYTHONPATH"];
  pythonpath = pythonpath.empty()
                 ? st.spec.env->python_path
                 : st.spec.env->python_path + ":" + pythonpath;
  spec.env["PYTHONUNBUFFERED"] = "1";
  spec.env["PYTHONDONTWRITEBYTECODE"] = "1";
  if (cfg.fork_server && cfg.transport == worker_transport::native)
    add_fork_server(spec, st);
  return spec;
}

/// Quits at once, or once the process has been reaped.
void stop(worker_ptr self, caf::error reason, bool graceful) {
  auto& st = self->state;
  st.quit_reason = std::move(reason);
  // The channel stays until the actor quits: a graceful stop lets the calls
  // in flight finish, and the native transport fails the calls still
  // pending on a channel when it goes.
  if (st.spawn_pending) {
    // The launcher has the process but has not said so yet: wait for
    // process_started (which kills it) or process_spawn_failed.
    st.current = phase::stopping;
    return;
  }
  if (st.process == no_process) {
    self->quit(st.quit_reason);
    return;
  }
  if (st.current == phase::stopping)
    return;
  st.current = phase::stopping;
  if (graceful)
    st.spec.env->launcher->terminate(st.process, st.spec.pool.shutdown_timeout);
  else
    st.spec.env->launcher->kill(st.process);
}

/// Gives up on the worker with `f`: tells the pool (with `cause` when a
/// ready worker goes, see worker_exited), then stops.
void fail(worker_ptr self, failure f, bool graceful, std::string cause = {}) {
  auto& st = self->state;
  self->send(st.spec.pool_actor, worker_exited{st.spec.key, f, cause});
  stop(self, to_caf_error(f), graceful);
}

void launch(worker_ptr self) {
  auto& st = self->state;
  st.spawn_pending = true;
  st.launched_at = now_of(self);
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  auto send_to_self = [weak](auto msg) {
    if (auto strong = caf::actor_cast<caf::actor>(weak))
      caf::anon_send(strong, std::move(msg));
  };
  st.spec.env->launcher->spawn(
    make_launch_spec(st),
    [send_to_self](std::variant<process::started, std::string> result) {
      if (auto* ok = std::get_if<process::started>(&result))
        send_to_self(process_started{ok->id, ok->pid});
      else
        send_to_self(process_spawn_failed{std::get<std::string>(result)});
    },
    [send_to_self](process::process_id id, process::exit_info info) {
      send_to_self(process_exited{id, info.exit_code, info.signal,
                                  process::describe(info),
                                  std::move(info.output_tail)});
    });
}

void start_health_checks(worker_ptr self);

/// The channel to the worker's process at `address`; a broken connection
/// comes back as a `connection_broken` message. Null for an address of
/// no transport the host has.
std::shared_ptr<bridge::channel> connect(worker_ptr self,
                                         const std::string& address) {
  auto& st = self->state;
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  bridge::endpoint where{address, st.spec.pool.max_message_bytes(),
                         [weak](std::string why) {
                           if (auto strong = caf::actor_cast<caf::actor>(weak))
                             caf::anon_send(strong,
                                            connection_broken{std::move(why)});
                         },
                         make_host_tool_service(
                           weak, st.spec.env->host_tools,
                           st.spec.pool.name, st.spec.id,
                           st.spec.pool.max_json_depth)};
  return st.spec.env->connect(where);
}

/// Checks the ready file; true once the worker is ready or has failed.
bool check_ready_file(worker_ptr self) {
  auto& st = self->state;
  auto handshake = read_ready_file(st.ready_path);
  if (!handshake)
    return false;
  if (!handshake->ok()) {
    // The worker exits on its own after reporting; collect its exit.
    fail(self, handshake->error, true);
    return true;
  }
  st.channel = connect(self, handshake->address);
  if (!st.channel) {
    fail(self,
         make_failure(error_code::internal,
                      "worker " + st.spec.id + " reports address "
                        + handshake->address + ", of no transport the host "
                        "has (expected "
                        + to_string(st.spec.pool.transport) + ")"),
         false);
    return true;
  }
  st.current = phase::ready;
  auto info = handshake->info;
  info.slots = slots_of(st.spec.pool);
  spdlog::debug("[{}] ready: pid {}, Python {} ({})", st.spec.id, info.pid,
                info.python_version, info.executable);
  auto startup = std::chrono::duration_cast<std::chrono::microseconds>(
    now_of(self) - st.launched_at);
  self->send(st.spec.pool_actor,
             worker_ready{st.spec.key, st.spec.id, st.spec.slot, self,
                          std::move(info),
                          startup.count()});
  start_health_checks(self);
  return true;
}

void on_tick(worker_ptr self) {
  auto& st = self->state;
  if (st.current != phase::starting || check_ready_file(self))
    return;
  if (now_of(self) >= st.start_deadline) {
    fail(self,
         make_failure(error_code::pool_failed,
                      "worker " + st.spec.id + " did not become ready within "
                        + std::to_string(st.spec.pool.startup_timeout.count())
                        + " ms"),
         false);
    return;
  }
  self->delayed_send(self, ready_poll_interval, tick_atom::value);
}

/// The process is gone: report why and quit.
void on_process_exited(worker_ptr self, const process_exited& ev) {
  auto& st = self->state;
  st.process = no_process;
  st.cleanup->store(no_process);
  switch (st.current) {
    case phase::stopping:
      self->quit(st.quit_reason);
      return;
    case phase::starting: {
      // A worker that failed to load its adapter says why in its ready file.
      if (auto handshake = read_ready_file(st.ready_path);
          handshake && !handshake->ok()) {
        fail(self, handshake->error, false);
        return;
      }
      failure f = make_failure(error_code::pool_failed,
                               "worker " + st.spec.id + " " + ev.description
                                 + " during start-up (interpreter "
                                 + st.spec.pool.python + ")");
      f.traceback = ev.output_tail;
      fail(self, std::move(f), false);
      return;
    }
    default: {
      failure f = make_failure(error_code::worker_crashed,
                               "worker " + st.spec.id + " (pid "
                                 + std::to_string(st.pid) + ") "
                                 + ev.description);
      f.traceback = ev.output_tail;
      fail(self, std::move(f), false, "crashed");
    }
  }
}

/// Starts the stream `d` on the channel: each chunk goes straight from the
/// channel's thread to the caller, the end to the pool (after the last
/// chunk, so the caller gets the chunks before the reply). `timeout` bounds
/// each wait for a chunk the worker has credit for.
void start_stream(worker_ptr self, dispatch& d,
                  std::chrono::milliseconds timeout) {
  auto& st = self->state;
  struct tally {
    std::atomic<uint64_t> chunks{0};
    std::atomic<uint64_t> bytes{0};
  };
  auto counted = std::make_shared<tally>();
  auto on_chunk = [to = d.stream_to, id = d.stream_id,
                   counted](std::string data, bool binary) {
    stream_chunk chunk;
    chunk.stream_id = id;
    chunk.index = counted->chunks++;
    counted->bytes += data.size();
    chunk.binary = binary;
    if (binary)
      chunk.data = to_bytes(data);
    else
      chunk.json = std::move(data);
    caf::anon_send(to, std::move(chunk));
  };
  auto on_end = [pool = st.spec.pool_actor, key = st.spec.key,
                 call_id = d.call_id, counted](bridge::tool_result r) {
    call_done done{call_id, key, "null", std::move(r.error)};
    done.chunks = counted->chunks;
    done.chunk_bytes = counted->bytes;
    caf::anon_send(pool, std::move(done));
  };
  st.channel->execute_stream(d.call_id, std::move(d.call_bytes), timeout,
                             static_cast<uint32_t>(st.spec.pool.stream_window),
                             std::move(on_chunk), std::move(on_end));
}

void on_dispatch(worker_ptr self, dispatch& d) {
  auto& st = self->state;
  auto pool = st.spec.pool_actor;
  auto key = st.spec.key;
  auto call_id = d.call_id;
  if (st.current != phase::ready || !st.channel) {
    self->send(pool, call_done{call_id, key, {},
                               make_failure(error_code::worker_crashed,
                                            "worker " + st.spec.id
                                              + " is stopping")});
    return;
  }
  auto timeout = d.request.timeout.count() > 0 ? d.request.timeout
                                               : st.spec.pool.request_timeout;
  if (d.stream_to) {
    start_stream(self, d, timeout);
    return;
  }
  st.channel->execute(call_id, std::move(d.call_bytes), timeout,
                      [pool, key, call_id](bridge::tool_result r) {
                        call_done done{call_id, key, std::move(r.result_json),
                                       std::move(r.error)};
                        if (r.binary) {
                          done.binary = true;
                          done.binary_result = to_bytes(r.binary_result);
                        }
                        caf::anon_send(pool, std::move(done));
                      });
}

/// Runs the session operation `op` on the channel; its outcome goes
/// straight from the channel's thread to the pool. Its deadline is the
/// pool's request_timeout: the adapter's hooks are Python code too.
void on_session_op(worker_ptr self, session_op& op) {
  auto& st = self->state;
  auto pool = st.spec.pool_actor;
  auto op_id = op.op_id;
  bridge::session_callback done = [pool, op_id](bridge::session_result r) {
    caf::anon_send(pool, session_op_done{op_id, std::move(r.error),
                                         r.has_state, r.binary,
                                         std::move(r.state)});
  };
  if (st.current != phase::ready || !st.channel) {
    bridge::session_result out;
    out.error = make_failure(error_code::worker_crashed,
                             "worker " + st.spec.id + " is stopping");
    done(std::move(out));
    return;
  }
  auto timeout = st.spec.pool.request_timeout;
  switch (op.kind) {
    case session_op_kind::close:
      st.channel->close_session(op.session_id, timeout, std::move(done));
      break;
    case session_op_kind::snapshot:
      st.channel->snapshot_session(op.session_id, timeout, std::move(done));
      break;
    case session_op_kind::restore: {
      bridge::session_result state;
      state.has_state = op.has_state;
      state.binary = op.binary;
      state.state = std::move(op.state);
      st.channel->restore_session(op.session_id, state, timeout,
                                  std::move(done));
      break;
    }
  }
}

void schedule_probe(worker_ptr self) {
  auto& st = self->state;
  if (st.probing || st.abandoned.empty())
    return;
  st.probing = true;
  self->delayed_send(self, probe_interval, probe_atom::value);
}

void on_probe_tick(worker_ptr self) {
  auto& st = self->state;
  if (!st.channel || st.current != phase::ready) {
    st.probing = false;
    return;
  }
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  st.channel->describe(probe_timeout, [weak](bridge::worker_activity a) {
    if (auto strong = caf::actor_cast<caf::actor>(weak))
      caf::anon_send(strong, activity_probe{std::move(a.error),
                                            std::move(a.active_calls)});
  });
}

/// Frees the slots of abandoned calls that have ended; kills the process
/// when one outlives its grace.
void on_activity(worker_ptr self, const activity_probe& probe) {
  auto& st = self->state;
  st.probing = false;
  if (st.current != phase::ready)
    return;
  auto now = now_of(self);
  for (auto i = st.abandoned.begin(); i != st.abandoned.end();) {
    auto running = std::find(probe.active_calls.begin(),
                             probe.active_calls.end(), i->first)
                   != probe.active_calls.end();
    if (probe.error.empty() && !running) {
      self->send(st.spec.pool_actor,
                 abandoned_call_ended{st.spec.key, i->first});
      i = st.abandoned.erase(i);
      continue;
    }
    if (now >= i->second) {
      spdlog::warn("[{}] call {} still runs {} ms after its deadline; "
                   "killing the worker to free its slot",
                   st.spec.id, i->first, st.spec.pool.hung_call_grace.count());
      fail(self,
           make_failure(error_code::worker_crashed,
                        "worker " + st.spec.id + " killed: a call outlived "
                          "its deadline by more than hung_call_grace ("
                          + std::to_string(st.spec.pool.hung_call_grace.count())
                          + " ms)"),
           false, "timeout");
      return;
    }
    ++i;
  }
  schedule_probe(self);
}

void arm_health_timer(worker_ptr self) {
  auto& st = self->state;
  if (!st.health || st.health_timer_armed)
    return;
  auto next = st.health->next_event();
  if (!next)
    return;
  st.health_timer_armed = true;
  auto delay = std::max(time_point::duration::zero(), *next - now_of(self));
  self->delayed_send(self, delay, health_atom::value);
}

/// Logs a missed health check; kills the worker once it is unhealthy.
/// Returns true when the worker is going away.
bool on_health_verdict(worker_ptr self, const health_verdict& v) {
  auto& st = self->state;
  const auto& cfg = st.spec.pool;
  spdlog::warn("[{}] health check failed ({} of {} misses): {}", st.spec.id,
               v.misses, cfg.health_check_max_misses, v.reason);
  if (telemetry::has_subscribers(
        telemetry::topic::of<telemetry::worker_health_check_failed>()))
    telemetry::publish(self, telemetry::make_health_check_failed(
                               cfg.name, st.spec.id, v.misses, v.reason));
  self->send(st.spec.pool_actor, health_check_missed{st.spec.key});
  if (!v.unhealthy)
    return false;
  fail(self,
       make_failure(error_code::worker_crashed,
                    "worker " + st.spec.id + " (pid " + std::to_string(st.pid)
                      + ") is unhealthy: " + std::to_string(v.misses)
                      + " health checks in a row failed (" + v.reason
                      + "); killed and replaced"),
       false, "unhealthy");
  return true;
}

void on_health_tick(worker_ptr self) {
  auto& st = self->state;
  st.health_timer_armed = false;
  if (st.current != phase::ready || !st.channel || !st.health)
    return;
  auto now = now_of(self);
  for (const auto& verdict : st.health->timed_out(now))
    if (on_health_verdict(self, verdict))
      return;
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  for (auto key [[maybe_unused]] : st.health->probes_due(now))
    st.channel->ping(st.spec.pool.health_check_timeout,
                     [weak](std::string error) {
                       if (auto strong = caf::actor_cast<caf::actor>(weak))
                         caf::anon_send(strong, ping_result{std::move(error)});
                     });
  arm_health_timer(self);
}

void on_ping_result(worker_ptr self, const ping_result& r) {
  auto& st = self->state;
  if (st.current != phase::ready || !st.health)
    return;
  auto now = now_of(self);
  if (r.error.empty()) {
    st.health->probe_succeeded(st.spec.key, now);
  } else if (auto verdict = st.health->probe_failed(st.spec.key, now,
                                                    r.error)) {
    if (on_health_verdict(self, *verdict))
      return;
  }
  arm_health_timer(self);
}

/// Starts health checks once the worker is ready (unless turned off).
void start_health_checks(worker_ptr self) {
  auto& st = self->state;
  const auto& cfg = st.spec.pool;
  if (cfg.health_check_interval.count() <= 0)
    return;
  st.health.emplace(health_settings{cfg.health_check_interval,
                                    cfg.health_check_timeout,
                                    cfg.health_check_max_misses});
  st.health->add_worker(st.spec.key, now_of(self));
  arm_health_timer(self);
}

caf::behavior worker_behavior(worker_ptr self, worker_spec spec) {
  auto& st = self->state;
  st.spec = std::move(spec);
  auto file_stem = std::filesystem::path{st.spec.env->run_path}
                   / ("w" + std::to_string(st.spec.key) + "-"
                      + st.spec.pool.name);
  st.socket_path = file_stem.string() + ".sock";
  st.ready_path = file_stem.string() + ".ready";

  auto launcher = st.spec.env->launcher;
  auto cleanup = st.cleanup;
  self->attach_functor([launcher, cleanup](const caf::error&) {
    if (auto id = cleanup->load(); id != no_process)
      launcher->kill(id);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    stop(self, msg.reason ? msg.reason : caf::exit_reason::user_shutdown,
         true);
  });

  if (st.socket_path.size() > process::max_socket_path) {
    fail(self,
         make_failure(error_code::pool_failed,
                      "socket path " + st.socket_path + " is longer than "
                        + std::to_string(process::max_socket_path)
                        + " bytes; configure a shorter run_dir"),
         false);
    return {};
  }
  std::error_code ec;
  std::filesystem::remove(st.ready_path, ec);
  self->request(st.spec.pool_actor, caf::infinite, start_permit_atom::value)
    .then([self](bool granted) {
      if (granted)
        launch(self);
      else
        self->quit(caf::exit_reason::user_shutdown);
    });

  return {
    [self](process_started& ev) {
      auto& st = self->state;
      st.spawn_pending = false;
      st.process = ev.process;
      st.pid = ev.pid;
      st.cleanup->store(ev.process);
      if (st.current == phase::stopping) {
        st.spec.env->launcher->kill(ev.process);
        return;
      }
      st.current = phase::starting;
      st.start_deadline = now_of(self) + st.spec.pool.startup_timeout;
      self->delayed_send(self, ready_poll_interval, tick_atom::value);
    },
    [self](process_spawn_failed& ev) {
      self->state.spawn_pending = false;
      if (self->state.current == phase::stopping) {
        self->quit(self->state.quit_reason);
        return;
      }
      fail(self, make_failure(error_code::pool_failed, ev.error), false);
    },
    [self](process_exited& ev) { on_process_exited(self, ev); },
    [self](connection_broken& ev) {
      auto& st = self->state;
      if (st.current != phase::ready)
        return; // the process's exit came first and said why
      if (!ev.waited) {
        ev.waited = true;
        self->delayed_send(self, exit_report_wait, std::move(ev));
        return;
      }
      // The process still runs after breaking the protocol: it is
      // stopped, and the pool replaces the worker like one that crashed.
      fail(self,
           make_failure(error_code::worker_crashed,
                        "worker " + st.spec.id + ": connection to its "
                          "process broke: " + ev.reason),
           false);
    },
    [self](tick_atom) { on_tick(self); },
    [self](dispatch& d) { on_dispatch(self, d); },
    [self](session_op& op) { on_session_op(self, op); },
    [self](actor_tool_call& c) { ask_actor_tool(self, c); },
    [self](const stream_grant& g) {
      if (self->state.channel)
        self->state.channel->grant(g.call_id, g.chunks);
    },
    [self](const stream_cancel& c) {
      if (self->state.channel)
        self->state.channel->cancel_stream(c.call_id);
    },
    [self](call_abandoned& msg) {
      auto& st = self->state;
      st.abandoned.emplace(msg.call_id,
                           now_of(self) + st.spec.pool.hung_call_grace);
      schedule_probe(self);
    },
    [self](probe_atom) { on_probe_tick(self); },
    [self](activity_probe& probe) { on_activity(self, probe); },
    [self](health_atom) { on_health_tick(self); },
    [self](drain_atom, bool graceful) {
      stop(self, caf::exit_reason::user_shutdown, graceful);
    },
    [self](ping_result& r) { on_ping_result(self, r); },
  };
}

} // namespace

caf::actor spawn_worker(caf::local_actor* parent, worker_spec spec) {
  return parent->spawn<caf::linked>(worker_behavior, std::move(spec));
}

caf::actor spawn_unlinked_worker(caf::actor_system& sys, worker_spec spec) {
  return sys.spawn(worker_behavior, std::move(spec));
}

} // namespace snakepit
