#include "process/process_host.hpp"

#include "process/process_host_impl.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace snakepit::process {

namespace {

/// How long shutdown waits for children that ignore even SIGKILL (stuck in
/// the kernel) before it gives up on reaping them.
constexpr auto reap_patience = std::chrono::seconds{5};

/// Reads per wake-up and pipe, so one chatty child cannot starve the rest.
constexpr int reads_per_poll = 4;

/// Reads after exit: bounds the drain if the pipe is somehow kept full.
constexpr int reads_after_exit = 64;

exit_info decode(int status) {
  exit_info info;
  if (WIFEXITED(status)) {
    info.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    info.signal = WTERMSIG(status);
  }
  return info;
}

} // namespace

void close_fd(int& fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

process_host::impl::impl(std::shared_ptr<spdlog::logger> log)
  : log_(log ? std::move(log) : spdlog::default_logger()),
    wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_ < 0) {
    log_->error("process host: eventfd failed: {}", std::strerror(errno));
    accepting_ = false;
    return;
  }
  try {
    thread_ = std::thread{[this] { run(); }};
    thread_id_ = thread_.get_id();
  } catch (const std::exception& e) {
    log_->error("process host: cannot start its thread: {}", e.what());
    accepting_ = false;
  }
}

process_host::impl::~impl() {
  close_fd(wake_fd_);
}

bool process_host::impl::post(std::function<void()> cmd) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!accepting_)
      return false;
    queue_.push_back(std::move(cmd));
  }
  wake();
  return true;
}

void process_host::impl::spawn(launch_spec spec, started_callback on_started,
                               exit_callback on_exit) {
  auto error = "cannot start '" + spec.executable
               + "': the process host is shut down";
  auto cmd = [this, spec = std::move(spec), on_started,
              on_exit = std::move(on_exit)]() mutable {
    start(std::move(spec), std::move(on_started), std::move(on_exit));
  };
  if (!post(std::move(cmd)) && on_started)
    on_started(std::move(error));
}

void process_host::impl::shutdown(std::chrono::milliseconds grace) {
  if (std::this_thread::get_id() == thread_id_) {
    log_->error("process host: shutdown called from its own thread");
    return;
  }
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (accepting_) {
      queue_.push_back([this, grace] { begin_shutdown(grace); });
      accepting_ = false;
    }
  }
  wake();
  std::lock_guard<std::mutex> guard{join_mutex_};
  if (thread_.joinable())
    thread_.join();
}

void process_host::impl::terminate(process_id id,
                                   std::chrono::milliseconds grace) {
  post([this, id, grace] {
    auto* c = find(id);
    if (c == nullptr)
      return;
    ::killpg(c->proc.pid, SIGTERM);
    auto at = clock_type::now() + grace;
    if (!c->kill_at || at < *c->kill_at)
      c->kill_at = at;
  });
}

void process_host::impl::kill(process_id id) {
  post([this, id] {
    if (auto* c = find(id))
      ::killpg(c->proc.pid, SIGKILL);
  });
}

void process_host::impl::wake() {
  uint64_t one = 1;
  if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof(one)) < 0) {
    // EAGAIN means the counter is already non-zero: the thread will wake.
  }
}

child* process_host::impl::find(process_id id) {
  auto i = children_.find(id);
  return i != children_.end() ? i->second.get() : nullptr;
}

template <class F>
void process_host::impl::safely(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    log_->error("process host: {} callback threw: {}", what, e.what());
  } catch (...) {
    log_->error("process host: {} callback threw", what);
  }
}

void process_host::impl::run() {
  std::vector<pollfd> fds;
  std::vector<std::pair<child*, int>> owners;
  for (;;) {
    run_commands();
    fire_deadlines();
    if (stopping_) {
      stop_idle_servers(shutdown_grace_);
      if (children_.empty() || clock_type::now() >= give_up_at_)
        break;
    }
    fds.clear();
    owners.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    owners.emplace_back(nullptr, 0);
    for (auto& entry : children_) {
      auto* c = entry.second.get();
      for (int fd : {c->proc.stdout_fd, c->proc.stderr_fd, c->proc.pidfd,
                     c->control_fd}) {
        if (fd >= 0) {
          fds.push_back({fd, POLLIN, 0});
          owners.emplace_back(c, fd);
        }
      }
    }
    if (::poll(fds.data(), fds.size(), poll_timeout()) < 0) {
      if (errno != EINTR) {
        log_->error("process host: poll failed: {}", std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
      }
      continue;
    }
    std::vector<process_id> ended;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0)
        continue;
      auto [c, fd] = owners[i];
      if (c == nullptr) {
        uint64_t count = 0;
        if (::read(wake_fd_, &count, sizeof(count)) < 0) {
          // EAGAIN: a spurious wake-up.
        }
      } else if (fd == c->proc.pidfd) {
        ended.push_back(c->id);
      } else if (fd == c->control_fd) {
        read_control(*c);
      } else {
        drain(*c, fd == c->proc.stderr_fd, reads_per_poll);
      }
    }
    for (auto id : ended)
      if (auto* c = find(id))
        on_ended(*c);
  }
  for (auto& entry : children_) {
    auto& c = *entry.second;
    log_->error("[{}] pid {} survived SIGKILL; left unreaped", c.tag,
                c.proc.pid);
    close_fd(c.proc.stdout_fd);
    close_fd(c.proc.stderr_fd);
    close_fd(c.proc.pidfd);
    close_fd(c.control_fd);
  }
}

void process_host::impl::run_commands() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    batch.swap(queue_);
  }
  for (auto& cmd : batch)
    cmd();
}

void process_host::impl::start(launch_spec spec, started_callback on_started,
                               exit_callback on_exit) {
  auto* fs = spec.fork_server ? server_for(spec) : nullptr;
  if (fs == nullptr) {
    start_plain(std::move(spec), std::move(on_started), std::move(on_exit));
    return;
  }
  waiting_start start{std::move(spec), std::move(on_started),
                      std::move(on_exit)};
  if (fs->ready)
    send_request(*fs, std::move(start));
  else
    fs->held.push_back(std::move(start));
}

void process_host::impl::start_plain(launch_spec spec,
                                     started_callback on_started,
                                     exit_callback on_exit) {
  auto result = fork_exec(spec);
  if (auto* error = std::get_if<std::string>(&result)) {
    log_->warn("[{}] {}", spec.tag, *error);
    if (on_started)
      safely("started", [&] { on_started(std::move(*error)); });
    return;
  }
  auto proc = std::get<forked_child>(result);
  log_->info("[{}] started {} (pid {})", spec.tag, spec.executable, proc.pid);
  adopt(proc, std::move(spec.tag), std::move(on_exit), std::move(on_started));
}

child& process_host::impl::adopt(forked_child proc, std::string tag,
                                 exit_callback on_exit,
                                 started_callback on_started) {
  auto c = std::make_unique<child>();
  c->id = next_id_++;
  c->proc = proc;
  c->tag = std::move(tag);
  c->on_exit = std::move(on_exit);
  started info{c->id, c->proc.pid};
  auto& result = *c;
  children_.emplace(c->id, std::move(c));
  if (on_started)
    safely("started", [&] { on_started(info); });
  return result;
}

void process_host::impl::begin_shutdown(std::chrono::milliseconds grace) {
  stopping_ = true;
  shutdown_grace_ = grace;
  auto now = clock_type::now();
  give_up_at_ = now + grace + reap_patience;
  for (auto& [key, fs] : servers_)
    for (auto* queue : {&fs.held, &fs.sent})
      while (!queue->empty()) {
        auto start = std::move(queue->front());
        queue->pop_front();
        close_fd(start.out_read);
        close_fd(start.err_read);
        if (start.on_started)
          safely("started", [&] {
            start.on_started("cannot start '" + start.spec.executable
                             + "': the process host is shut down");
          });
      }
  // Fork servers go last (stop_idle_servers), so that they can still
  // report how their workers ended.
  for (auto& entry : children_) {
    auto& c = *entry.second;
    if (!c.serves_key.empty())
      continue;
    ::killpg(c.proc.pid, SIGTERM);
    if (!c.kill_at || now + grace < *c.kill_at)
      c.kill_at = now + grace;
  }
}

void process_host::impl::fire_deadlines() {
  auto now = clock_type::now();
  std::vector<process_id> overdue;
  for (auto& entry : children_) {
    auto& c = *entry.second;
    if (c.kill_at && *c.kill_at <= now) {
      log_->info("[{}] pid {} still running after its grace, SIGKILL", c.tag,
                 c.proc.pid);
      ::killpg(c.proc.pid, SIGKILL);
      c.kill_at.reset();
    }
    if (c.status_due && *c.status_due <= now)
      overdue.push_back(c.id);
  }
  for (auto id : overdue)
    finish(id);
  fire_server_deadlines(now);
}

int process_host::impl::poll_timeout() const {
  std::optional<clock_type::time_point> next;
  if (stopping_)
    next = give_up_at_;
  auto consider = [&](const std::optional<clock_type::time_point>& at) {
    if (at && (!next || *at < *next))
      next = at;
  };
  for (auto& entry : children_) {
    consider(entry.second->kill_at);
    consider(entry.second->status_due);
  }
  next_server_deadline(next);
  if (!next)
    return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(
    *next - clock_type::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 60'000));
}

void process_host::impl::emit_line(child& c, std::string_view line) {
  if (line.substr(0, warning_prefix.size()) == warning_prefix)
    log_->warn("[{}] {}", c.tag, line.substr(warning_prefix.size()));
  else
    log_->info("[{}] {}", c.tag, line);
  c.tail.add(line);
}

void process_host::impl::drain(child& c, bool is_stderr, int max_reads) {
  auto& fd = is_stderr ? c.proc.stderr_fd : c.proc.stdout_fd;
  auto& lines = is_stderr ? c.err_lines : c.out_lines;
  auto emit = [&](std::string_view line) { emit_line(c, line); };
  for (int i = 0; fd >= 0 && i < max_reads;) {
    auto n = ::read(fd, buffer_.data(), buffer_.size());
    if (n > 0) {
      lines.feed({buffer_.data(), static_cast<size_t>(n)}, emit);
      ++i;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      lines.finish(emit);
      close_fd(fd);
    }
  }
}

void process_host::impl::on_ended(child& c) {
  if (c.forked_by == 0 || c.reported_status) {
    finish(c.id);
    return;
  }
  // A forked worker: its status comes from its fork server, if that still
  // runs; the pidfd has said all it can.
  close_fd(c.proc.pidfd);
  if (find(c.forked_by) != nullptr)
    c.status_due = clock_type::now() + status_patience;
  else
    finish(c.id);
}

exit_info process_host::impl::collect_status(child& c) {
  if (c.forked_by != 0) {
    if (c.reported_status)
      return decode(*c.reported_status);
    exit_info unknown;
    unknown.status_known = false;
    return unknown;
  }
  int status = 0;
  pid_t reaped;
  do {
    reaped = ::waitpid(c.proc.pid, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == c.proc.pid)
    return decode(status);
  log_->warn("[{}] cannot reap pid {}: {}", c.tag, c.proc.pid,
             std::strerror(errno));
  return {};
}

void process_host::impl::finish(process_id id) {
  auto i = children_.find(id);
  if (i == children_.end())
    return;
  auto& c = *i->second;
  // Whatever else runs in the group would outlive its leader unowned.
  ::killpg(c.proc.pid, SIGKILL);
  drain(c, false, reads_after_exit);
  drain(c, true, reads_after_exit);
  auto emit = [&](std::string_view line) { emit_line(c, line); };
  c.out_lines.finish(emit);
  c.err_lines.finish(emit);
  auto info = collect_status(c);
  info.output_tail = c.tail.text();
  close_fd(c.proc.stdout_fd);
  close_fd(c.proc.stderr_fd);
  close_fd(c.proc.pidfd);
  close_fd(c.control_fd);
  log_->info("[{}] pid {} {}", c.tag, c.proc.pid, describe(info));
  auto on_exit = std::move(c.on_exit);
  auto gone = std::move(i->second);
  children_.erase(i);
  if (!gone->serves_key.empty())
    on_server_gone(*gone, info);
  if (on_exit)
    safely("exit", [&] { on_exit(id, std::move(info)); });
}

process_host::process_host(std::shared_ptr<spdlog::logger> log)
  : impl_(std::make_unique<impl>(std::move(log))) {
  // nop
}

process_host::~process_host() {
  shutdown(std::chrono::seconds{1});
}

void process_host::spawn(launch_spec spec, started_callback on_started,
                         exit_callback on_exit) {
  impl_->spawn(std::move(spec), std::move(on_started), std::move(on_exit));
}

void process_host::terminate(process_id id,
                             std::chrono::milliseconds grace) {
  impl_->terminate(id, grace);
}

void process_host::kill(process_id id) {
  impl_->kill(id);
}

void process_host::shutdown(std::chrono::milliseconds grace) {
  impl_->shutdown(grace);
}

} // namespace snakepit::process
