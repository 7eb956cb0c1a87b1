#pragma once

/// The inside of `process_host` (private to process/): its one thread, the
/// children it owns and the fork servers it asks for workers. The plain
/// children are in process_host.cpp, the fork servers in
/// process_host_forks.cpp.

#include "process/fork_exec.hpp"
#include "process/fork_protocol.hpp"
#include "process/output_tail.hpp"
#include "process/process_host.hpp"

#include <array>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace snakepit::process {

using clock_type = std::chrono::steady_clock;

/// How long a forked worker that has ended waits for the status its fork
/// server reports before it is finished without one.
inline constexpr auto status_patience = std::chrono::seconds{1};

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
  /// A fork server: the key it serves and the host's end of its control
  /// socket (-1 once closed). Empty key for other children.
  std::string serves_key{};
  int control_fd = -1;
  /// A forked worker: the fork server (its id) that forked it, 0 for a
  /// child of the host.
  process_id forked_by = 0;
  /// A forked worker: its wait status, once its fork server reported it.
  std::optional<int> reported_status{};
  /// A forked worker that ended before its status came: finish at this
  /// time at the latest, with the status unknown.
  std::optional<clock_type::time_point> status_due{};
  /// A fork server asked to stop (at shutdown).
  bool stop_requested = false;
};

/// A start that waits for a fork server.
struct waiting_start {
  launch_spec spec;
  started_callback on_started;
  exit_callback on_exit;
  /// Once sent: the request's id and the host's ends of the worker's
  /// stdout and stderr pipes.
  int64_t request_id = 0;
  int out_read = -1;
  int err_read = -1;
  /// When the fork server must have answered it at the latest.
  clock_type::time_point answer_due{};
};

/// The fork server of one key: whether it runs and the starts it owes.
struct fork_server_state {
  std::shared_ptr<const fork_server_spec> spec;
  /// The running server's child id, 0 when none runs.
  process_id id = 0;
  bool ready = false;
  /// When a started server that has not said `ready` is given up.
  clock_type::time_point ready_due{};
  /// Starts held until the server is ready.
  std::deque<waiting_start> held;
  /// Requests sent, answered in order.
  std::deque<waiting_start> sent;
  int64_t next_request = 1;
  /// After a server died: no new one before this time.
  clock_type::time_point retry_at{};
  int deaths_in_a_row = 0;
  /// Its preload failed: plain starts only, for good.
  bool disabled = false;
};

class process_host::impl {
public:
  explicit impl(std::shared_ptr<spdlog::logger> log);
  ~impl();

  /// Queues `cmd` for the host thread; false once shutdown has begun.
  bool post(std::function<void()> cmd);
  void spawn(launch_spec spec, started_callback on_started,
             exit_callback on_exit);
  void shutdown(std::chrono::milliseconds grace);
  void terminate(process_id id, std::chrono::milliseconds grace);
  void kill(process_id id);

private:
  void wake();
  child* find(process_id id);
  template <class F>
  void safely(const char* what, F&& f);
  void run();
  void run_commands();
  /// Starts `spec`: through its fork server when it names one that runs,
  /// else plainly.
  void start(launch_spec spec, started_callback on_started,
             exit_callback on_exit);
  /// Forks and execs `spec` on this thread.
  void start_plain(launch_spec spec, started_callback on_started,
                   exit_callback on_exit);
  /// Registers a started child and tells `on_started`.
  child& adopt(forked_child proc, std::string tag, exit_callback on_exit,
               started_callback on_started);
  void begin_shutdown(std::chrono::milliseconds grace);
  void fire_deadlines();
  int poll_timeout() const;
  void emit_line(child& c, std::string_view line);
  void drain(child& c, bool is_stderr, int max_reads);
  /// A child's pidfd became readable.
  void on_ended(child& c);
  void finish(process_id id);
  exit_info collect_status(child& c);

  // Fork servers (process_host_forks.cpp).
  /// The fork server for `spec`, started if it should run and does not.
  fork_server_state* server_for(const launch_spec& spec);
  bool start_server(fork_server_state& fs);
  void send_request(fork_server_state& fs, waiting_start start);
  /// Starts plainly what waited for a fork server that cannot serve it.
  void start_instead(waiting_start start, const std::string& why);
  void read_control(child& server);
  void on_packet(child& server, const fork_protocol::server_packet& packet);
  void on_started_fork(child& server, fork_server_state& fs,
                       const fork_protocol::fork_started& started);
  void on_worker_exited(child& server,
                        const fork_protocol::worker_exited& exited);
  /// A fork server's process has ended: its waiting starts go plain.
  void on_server_gone(const child& server, const exit_info& info);
  /// Gives up on fork servers that did not get ready, or did not answer a
  /// request, in time.
  void fire_server_deadlines(clock_type::time_point now);
  /// Stops the fork servers once nothing else runs (at shutdown).
  void stop_idle_servers(std::chrono::milliseconds grace);
  void next_server_deadline(std::optional<clock_type::time_point>& next) const;

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
  std::map<std::string, fork_server_state> servers_;
  process_id next_id_ = 1;
  bool stopping_ = false;
  std::chrono::milliseconds shutdown_grace_{0};
  clock_type::time_point give_up_at_;
  std::array<char, 65536> buffer_;
};

/// Closes `fd` if open and sets it to -1.
void close_fd(int& fd);

} // namespace snakepit::process
