// process_host's fork servers: starting one per key, asking it for
// workers, reading its packets, and falling back to plain starts whenever
// it cannot serve (not started yet, dead, refusing, preload failed).

#include "process/process_host_impl.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace snakepit::process {

namespace {

/// How long a fork server may take from its start to `ready`: the
/// interpreter's start, the bridge's imports and a preload.
constexpr auto ready_patience = std::chrono::seconds{30};

/// How long a ready fork server may take to answer a fork request (a fork
/// takes milliseconds); one that takes longer is killed as hung.
constexpr auto answer_patience = std::chrono::seconds{5};

/// Exit code of a fork server whose preload failed (fork_server.py).
constexpr int preload_failed_code = 3;

/// Packets read per wake-up, so one server cannot starve the rest.
constexpr int packets_per_poll = 16;

/// The wait before starting a fork server again after `deaths` deaths in
/// a row: 250 ms, doubling, at most 30 s.
clock_type::duration backoff(int deaths) {
  auto shift = std::clamp(deaths - 1, 0, 7);
  return std::min<clock_type::duration>(std::chrono::milliseconds{250 << shift},
                                        std::chrono::seconds{30});
}

/// Takes the answered request off the front of `fs.sent`. The server
/// answers in order, one at a time, so the next one's patience starts now:
/// a request queued behind many others (a pool starting 50 workers at once
/// on a busy machine) is not late while the server works through them.
waiting_start pop_answered(fork_server_state& fs) {
  auto start = std::move(fs.sent.front());
  fs.sent.pop_front();
  if (!fs.sent.empty())
    fs.sent.front().answer_due = clock_type::now() + answer_patience;
  return start;
}

bool same_start(const launch_spec& a, const launch_spec& b) {
  return a.executable == b.executable && a.args == b.args && a.env == b.env;
}

std::string errno_text() {
  return std::strerror(errno);
}

} // namespace

fork_server_state* process_host::impl::server_for(const launch_spec& spec) {
  if (stopping_)
    return nullptr;
  auto& fs = servers_[spec.fork_server->key];
  if (fs.disabled)
    return nullptr;
  if (fs.spec && !same_start(fs.spec->start, spec.fork_server->start)) {
    log_->warn("[{}] its fork server '{}' was started differently; starting "
               "it the plain way",
               spec.tag, spec.fork_server->key);
    return nullptr;
  }
  fs.spec = spec.fork_server;
  if (fs.id == 0
      && (clock_type::now() < fs.retry_at || !start_server(fs)))
    return nullptr;
  return &fs;
}

bool process_host::impl::start_server(fork_server_state& fs) {
  const auto& start = fs.spec->start;
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) {
    log_->warn("[{}] cannot make a control socket: {}", start.tag,
               errno_text());
    return false;
  }
  int ours = above_stdio(sockets[0]);
  int theirs = above_stdio(sockets[1]);
  auto result = ours >= 0 && theirs >= 0
                  ? fork_exec(start, theirs)
                  : std::variant<forked_child, std::string>{errno_text()};
  close_fd(theirs);
  if (auto* error = std::get_if<std::string>(&result)) {
    close_fd(ours);
    fs.retry_at = clock_type::now() + backoff(++fs.deaths_in_a_row);
    log_->warn("[{}] {}; workers start the plain way", start.tag, *error);
    return false;
  }
  ::fcntl(ours, F_SETFL, ::fcntl(ours, F_GETFL) | O_NONBLOCK);
  auto proc = std::get<forked_child>(result);
  log_->info("[{}] started the fork server (pid {})", start.tag, proc.pid);
  auto& c = adopt(proc, start.tag, nullptr, nullptr);
  c.serves_key = fs.spec->key;
  c.control_fd = ours;
  fs.id = c.id;
  fs.ready = false;
  fs.ready_due = clock_type::now() + ready_patience;
  return true;
}

void process_host::impl::send_request(fork_server_state& fs,
                                      waiting_start start) {
  int out_write = -1;
  int err_write = -1;
  if (!make_output_pipe(start.out_read, out_write)
      || !make_output_pipe(start.err_read, err_write)) {
    auto why = "pipe: " + errno_text();
    close_fd(out_write);
    start_instead(std::move(start), why);
    return;
  }
  start.request_id = fs.next_request++;
  auto packet = fork_protocol::encode_fork(
    start.request_id, start.spec.forked_args, start.spec.env);
  auto* server = find(fs.id);
  auto error = server != nullptr && server->control_fd >= 0
                 ? fork_protocol::send_fork(server->control_fd, packet,
                                            out_write, err_write)
                 : std::string{"its control socket is closed"};
  close_fd(out_write);
  close_fd(err_write);
  if (!error.empty()) {
    start_instead(std::move(start), "cannot ask the fork server: " + error);
    return;
  }
  start.answer_due = clock_type::now() + answer_patience;
  fs.sent.push_back(std::move(start));
}

void process_host::impl::start_instead(waiting_start start,
                                       const std::string& why) {
  close_fd(start.out_read);
  close_fd(start.err_read);
  log_->info("[{}] {}; starting it the plain way", start.spec.tag, why);
  start.spec.fork_server.reset();
  start_plain(std::move(start.spec), std::move(start.on_started),
              std::move(start.on_exit));
}

void process_host::impl::read_control(child& server) {
  for (int i = 0; i < packets_per_poll && server.control_fd >= 0; ++i) {
    auto n = ::recv(server.control_fd, buffer_.data(), buffer_.size(),
                    MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (n <= 0) {
      // The server is going away; its pidfd says when it is gone.
      close_fd(server.control_fd);
      return;
    }
    auto size = static_cast<std::size_t>(n);
    on_packet(server,
              size > buffer_.size()
                ? fork_protocol::server_packet{fork_protocol::bad_packet{
                  "a packet of " + std::to_string(size) + " bytes"}}
                : fork_protocol::parse({buffer_.data(), size}));
  }
}

void process_host::impl::on_packet(
  child& server, const fork_protocol::server_packet& packet) {
  auto it = servers_.find(server.serves_key);
  if (it == servers_.end() || it->second.id != server.id)
    return;
  auto& fs = it->second;
  if (auto* ready = std::get_if<fork_protocol::server_ready>(&packet)) {
    log_->info("[{}] the fork server is ready (preloaded: {})", server.tag,
               ready->preloaded ? "yes" : "no");
    fs.ready = true;
    fs.deaths_in_a_row = 0;
    auto held = std::move(fs.held);
    fs.held.clear();
    for (auto& start : held)
      send_request(fs, std::move(start));
  } else if (auto* started = std::get_if<fork_protocol::fork_started>(&packet)) {
    on_started_fork(server, fs, *started);
  } else if (auto* refused = std::get_if<fork_protocol::fork_refused>(&packet)) {
    if (fs.sent.empty()) {
      log_->warn("[{}] the fork server refused a request never made: {}",
                 server.tag, refused->error);
      return;
    }
    start_instead(pop_answered(fs),
                  "the fork server refused it (" + refused->error + ")");
  } else if (auto* exited = std::get_if<fork_protocol::worker_exited>(&packet)) {
    on_worker_exited(server, *exited);
  } else {
    log_->warn("[{}] the fork server sent a bad packet: {}", server.tag,
               std::get<fork_protocol::bad_packet>(packet).reason);
  }
}

void process_host::impl::on_started_fork(
  child& server, fork_server_state& fs,
  const fork_protocol::fork_started& started) {
  if (fs.sent.empty() || fs.sent.front().request_id != started.id) {
    log_->warn("[{}] the fork server answered request {} out of turn",
               server.tag, started.id);
    return;
  }
  auto start = pop_answered(fs);
  // Fails when the worker has already been reaped: its `exited` follows.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, started.pid, 0));
  forked_child proc{started.pid, start.out_read, start.err_read, pidfd};
  log_->info("[{}] forked by {} (pid {})", start.spec.tag, server.tag,
             started.pid);
  auto& c = adopt(proc, std::move(start.spec.tag), std::move(start.on_exit),
                  std::move(start.on_started));
  c.forked_by = server.id;
  if (pidfd < 0)
    c.status_due = clock_type::now() + status_patience;
}

void process_host::impl::on_worker_exited(
  child& server, const fork_protocol::worker_exited& exited) {
  for (auto& entry : children_) {
    auto& c = *entry.second;
    if (c.forked_by != server.id || c.proc.pid != exited.pid)
      continue;
    c.reported_status = exited.status;
    // Its pidfd has fired already (or never opened): finished at once, by
    // the deadline pass (not here: the poll pass holds pointers to
    // children).
    if (c.proc.pidfd < 0)
      c.status_due = clock_type::now();
    return;
  }
}

void process_host::impl::on_server_gone(const child& server,
                                        const exit_info& info) {
  auto it = servers_.find(server.serves_key);
  if (it == servers_.end() || it->second.id != server.id)
    return;
  auto& fs = it->second;
  fs.id = 0;
  fs.ready = false;
  if (stopping_) {
    // Nothing waits any more (begin_shutdown answered it).
  } else if (info.status_known && info.exit_code == preload_failed_code) {
    fs.disabled = true;
    log_->error("[{}] the fork server's preload failed; workers start the "
                "plain way from now on. Its output:\n{}",
                server.tag, info.output_tail);
  } else {
    auto wait = backoff(++fs.deaths_in_a_row);
    fs.retry_at = clock_type::now() + wait;
    log_->warn("[{}] the fork server {}; workers start the plain way until "
               "a new one runs (in {} ms at the earliest)",
               server.tag, describe(info),
               std::chrono::duration_cast<std::chrono::milliseconds>(wait)
                 .count());
  }
  std::deque<waiting_start> orphaned;
  for (auto* queue : {&fs.sent, &fs.held}) {
    for (auto& start : *queue)
      orphaned.push_back(std::move(start));
    queue->clear();
  }
  for (auto& start : orphaned)
    start_instead(std::move(start), "its fork server is gone");
  // Its workers that ended without a status will never get one.
  std::vector<process_id> unknown;
  for (auto& entry : children_)
    if (entry.second->forked_by == server.id && entry.second->proc.pidfd < 0)
      unknown.push_back(entry.first);
  for (auto id : unknown)
    finish(id);
}

namespace {

/// The next time fork server `fs` must have done something (got ready, or
/// answered its oldest request), if any.
std::optional<clock_type::time_point> due_of(const fork_server_state& fs) {
  if (fs.id == 0 || fs.ready_due == clock_type::time_point::max())
    return std::nullopt;
  if (!fs.ready)
    return fs.ready_due;
  if (!fs.sent.empty())
    return fs.sent.front().answer_due;
  return std::nullopt;
}

} // namespace

void process_host::impl::fire_server_deadlines(clock_type::time_point now) {
  for (auto& [key, fs] : servers_) {
    auto due = due_of(fs);
    if (!due || now < *due)
      continue;
    if (auto* server = find(fs.id)) {
      if (fs.ready)
        log_->warn("[{}] the fork server did not answer a fork request "
                   "within {} s; killing it",
                   server->tag, answer_patience.count());
      else
        log_->warn("[{}] the fork server is not ready after {} s; killing it",
                   server->tag, ready_patience.count());
      ::killpg(server->proc.pid, SIGKILL);
    }
    // Its death moves what it owes to plain starts (on_server_gone).
    fs.ready_due = clock_type::time_point::max();
  }
}

void process_host::impl::next_server_deadline(
  std::optional<clock_type::time_point>& next) const {
  for (auto& [key, fs] : servers_)
    if (auto due = due_of(fs); due && (!next || *due < *next))
      next = due;
}

void process_host::impl::stop_idle_servers(std::chrono::milliseconds grace) {
  bool only_servers = std::all_of(
    children_.begin(), children_.end(),
    [](const auto& entry) { return !entry.second->serves_key.empty(); });
  if (!only_servers)
    return;
  auto now = clock_type::now();
  for (auto& entry : children_) {
    auto& c = *entry.second;
    if (c.stop_requested)
      continue;
    // A closed control socket ends a fork server by itself; the deadline
    // (SIGKILL) is for one that does not notice.
    c.stop_requested = true;
    close_fd(c.control_fd);
    c.kill_at = now + grace;
  }
}

} // namespace snakepit::process
