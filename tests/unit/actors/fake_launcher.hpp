#pragma once

/// A launcher that starts no process. It records what worker actors ask
/// for; the test decides when each "process" starts, what its ready file
/// says (written where the worker looks, as the Python worker writes it),
/// and when it exits. Its callbacks run on the test thread when the test
/// calls them, and worker actors turn them into messages as they do with
/// the real launcher's.

#include <memory>
#include <string>
#include <deque>
#include <vector>

#include "process/launcher.hpp"

namespace snakepit::testing {

/// What the fakes saw, in order: "spawn p/w1", "connect p/w1",
/// "terminate p/w1", "kill p/w1" (worker ids).
using event_log = std::shared_ptr<std::vector<std::string>>;

/// A process a worker asked for.
struct fake_process {
  process::launch_spec spec;
  process::started_callback on_started;
  process::exit_callback on_exit;
  /// Nonzero once the test started it.
  process::process_id id = 0;
  int pid = 0;
  /// Asked to stop (terminate or kill) and not exited yet.
  bool stop_asked = false;
  /// The last stop asked for was a kill.
  bool killed = false;
  /// Refused, or started and exited: no callback runs any more.
  bool over = false;
};

/// The launcher of actor unit tests (see the file comment).
class fake_launcher final : public process::launcher {
public:
  /// Records into `log`.
  explicit fake_launcher(event_log log);

  void spawn(process::launch_spec spec, process::started_callback on_started,
             process::exit_callback on_exit) override;

  void terminate(process::process_id id,
                 std::chrono::milliseconds grace) override;

  void kill(process::process_id id) override;

  /// Ids of the workers whose process was asked for and not started yet,
  /// oldest first.
  std::vector<std::string> waiting() const;

  /// Starts the process of worker `id` and has it report ready (the
  /// address its channel gets is "fake:" + id). Its pid exceeds any real
  /// one, so /proc reads about it fail as for a process gone.
  void start_ready(const std::string& id);

  /// Starts the process of worker `id` and has it report that its adapter
  /// failed to load, with Python's exception `type`, `message` and
  /// `traceback`.
  void start_failing(const std::string& id, const std::string& type,
                     const std::string& message,
                     const std::string& traceback);

  /// Starts the process of worker `id` and has it never report: it writes
  /// no ready file, as a worker stuck in its start-up.
  void start_silent(const std::string& id);

  /// Ends the started process of worker `id` as `info` says.
  void exit(const std::string& id, process::exit_info info);

  /// Ends every process asked to stop: code 0 after a terminate, SIGKILL
  /// after a kill. Returns how many ended.
  int exit_stopped();

  /// Refuses every process asked for and not started (as a launcher that
  /// cannot start it would). Returns how many.
  int refuse_waiting();

  /// True when the process of worker `id` was asked to stop.
  bool stop_asked(const std::string& id) const;

  /// The pid the process of worker `id` got.
  int pid_of(const std::string& id) const;

private:
  fake_process& find(const std::string& id);
  const fake_process& find(const std::string& id) const;
  fake_process* find(process::process_id id);
  /// Gives `p`, which must be waiting, its handle and pid.
  fake_process& assign_pid(fake_process& p);
  /// Writes the ready file of `p` and reports it started.
  void start(fake_process& p, const std::string& ready_json);

  event_log log_;
  std::deque<fake_process> processes_;
  process::process_id next_id_ = 1;
};

} // namespace snakepit::testing
