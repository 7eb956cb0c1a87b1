#include "process/process_host.hpp"

#include "process/fork_exec.hpp"
#include "process/output_tail.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace snakepit::process {

namespace {

using clock_type = std::chrono::steady_clock;

/// How long shutdown waits for children that ignore even SIGKILL (stuck in
/// the kernel) before it gives up on reaping them.
constexpr auto reap_patience = std::chrono::seconds{5};

/// Reads per wake-up and pipe, so one chatty child cannot starve the rest.
constexpr int reads_per_poll = 4;

/// Reads after exit: bounds the drain if the pipe is somehow kept full.
constexpr int reads_after_exit = 64;

/// A running child; touched by the host thread only.
struct child {
  process_id id = 0;
  forked_child proc;
  std::string tag;
  exit_callback on_exit;
  line_splitter out_lines;
  line_splitter err_lines;
  output_tail tail;
  std::optional<clock_type::time_point> kill_at;
};

void close_fd(int& fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

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

class process_host::impl {
public:
  explicit impl(std::shared_ptr<spdlog::logger> log)
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

  ~impl() {
    close_fd(wake_fd_);
  }

  /// Queues `cmd` for the host thread; false once shutdown has begun.
  bool post(std::function<void()> cmd) {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (!accepting_)
        return false;
      queue_.push_back(std::move(cmd));
    }
    wake();
    return true;
  }

  void spawn(launch_spec spec, started_callback on_started,
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

  void shutdown(std::chrono::milliseconds grace) {
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

  void terminate(process_id id, std::chrono::milliseconds grace) {
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

  void kill(process_id id) {
    post([this, id] {
      if (auto* c = find(id))
        ::killpg(c->proc.pid, SIGKILL);
    });
  }

private:
  void wake() {
    uint64_t one = 1;
    if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof(one)) < 0) {
      // EAGAIN means the counter is already non-zero: the thread will wake.
    }
  }

  child* find(process_id id) {
    auto i = children_.find(id);
    return i != children_.end() ? i->second.get() : nullptr;
  }

  template <class F>
  void safely(const char* what, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      log_->error("process host: {} callback threw: {}", what, e.what());
    } catch (...) {
      log_->error("process host: {} callback threw", what);
    }
  }

  void run() {
    std::vector<pollfd> fds;
    std::vector<std::pair<child*, int>> owners;
    for (;;) {
      run_commands();
      fire_deadlines();
      if (stopping_
          && (children_.empty() || clock_type::now() >= give_up_at_))
        break;
      fds.clear();
      owners.clear();
      fds.push_back({wake_fd_, POLLIN, 0});
      owners.emplace_back(nullptr, 0);
      for (auto& entry : children_) {
        auto* c = entry.second.get();
        for (int fd : {c->proc.stdout_fd, c->proc.stderr_fd, c->proc.pidfd}) {
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
      std::vector<process_id> exited;
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
          exited.push_back(c->id);
        } else {
          drain(*c, fd == c->proc.stderr_fd, reads_per_poll);
        }
      }
      for (auto id : exited)
        finish(id);
    }
    for (auto& entry : children_) {
      auto& c = *entry.second;
      log_->error("[{}] pid {} survived SIGKILL; left unreaped", c.tag,
                  c.proc.pid);
      close_fd(c.proc.stdout_fd);
      close_fd(c.proc.stderr_fd);
      close_fd(c.proc.pidfd);
    }
  }

  void run_commands() {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      batch.swap(queue_);
    }
    for (auto& cmd : batch)
      cmd();
  }

  void start(launch_spec spec, started_callback on_started,
             exit_callback on_exit) {
    auto result = fork_exec(spec);
    if (auto* error = std::get_if<std::string>(&result)) {
      log_->warn("[{}] {}", spec.tag, *error);
      if (on_started)
        safely("started", [&] { on_started(std::move(*error)); });
      return;
    }
    auto c = std::make_unique<child>();
    c->id = next_id_++;
    c->proc = std::get<forked_child>(result);
    c->tag = std::move(spec.tag);
    c->on_exit = std::move(on_exit);
    log_->info("[{}] started {} (pid {})", c->tag, spec.executable,
               c->proc.pid);
    started info{c->id, c->proc.pid};
    children_.emplace(c->id, std::move(c));
    if (on_started)
      safely("started", [&] { on_started(info); });
  }

  void begin_shutdown(std::chrono::milliseconds grace) {
    stopping_ = true;
    auto now = clock_type::now();
    give_up_at_ = now + grace + reap_patience;
    for (auto& entry : children_) {
      auto& c = *entry.second;
      ::killpg(c.proc.pid, SIGTERM);
      if (!c.kill_at || now + grace < *c.kill_at)
        c.kill_at = now + grace;
    }
  }

  void fire_deadlines() {
    auto now = clock_type::now();
    for (auto& entry : children_) {
      auto& c = *entry.second;
      if (c.kill_at && *c.kill_at <= now) {
        log_->info("[{}] pid {} still running after its grace, SIGKILL",
                   c.tag, c.proc.pid);
        ::killpg(c.proc.pid, SIGKILL);
        c.kill_at.reset();
      }
    }
  }

  int poll_timeout() const {
    std::optional<clock_type::time_point> next;
    if (stopping_)
      next = give_up_at_;
    for (auto& entry : children_)
      if (auto at = entry.second->kill_at; at && (!next || *at < *next))
        next = at;
    if (!next)
      return -1;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(
      *next - clock_type::now());
    return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 60'000));
  }

  /// Logs one output line of `c` and keeps it in its tail. Lines that start
  /// with `warning_prefix` are the child's own warnings: logged at warn.
  void emit_line(child& c, std::string_view line) {
    if (line.substr(0, warning_prefix.size()) == warning_prefix)
      log_->warn("[{}] {}", c.tag, line.substr(warning_prefix.size()));
    else
      log_->info("[{}] {}", c.tag, line);
    c.tail.add(line);
  }

  /// Reads what the pipe holds, up to `max_reads` chunks; closes it at EOF.
  void drain(child& c, bool is_stderr, int max_reads) {
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

  /// Collects an exited child: output, group leftovers, status, callback.
  void finish(process_id id) {
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
    int status = 0;
    pid_t reaped;
    do {
      reaped = ::waitpid(c.proc.pid, &status, 0);
    } while (reaped < 0 && errno == EINTR);
    exit_info info;
    if (reaped == c.proc.pid)
      info = decode(status);
    else
      log_->warn("[{}] cannot reap pid {}: {}", c.tag, c.proc.pid,
                 std::strerror(errno));
    info.output_tail = c.tail.text();
    close_fd(c.proc.stdout_fd);
    close_fd(c.proc.stderr_fd);
    close_fd(c.proc.pidfd);
    log_->info("[{}] pid {} {}", c.tag, c.proc.pid, describe(info));
    auto on_exit = std::move(c.on_exit);
    children_.erase(i);
    if (on_exit)
      safely("exit", [&] { on_exit(id, std::move(info)); });
  }

  std::shared_ptr<spdlog::logger> log_;
  int wake_fd_;
  std::mutex mutex_;
  std::deque<std::function<void()>> queue_;
  bool accepting_ = true;
  std::mutex join_mutex_;
  std::thread thread_;
  std::thread::id thread_id_;
  // Host thread only.
  std::map<process_id, std::unique_ptr<child>> children_;
  process_id next_id_ = 1;
  bool stopping_ = false;
  clock_type::time_point give_up_at_;
  std::array<char, 65536> buffer_;
};

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
