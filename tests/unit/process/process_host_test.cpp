#include "process/process_host.hpp"

#include "tests/unit/process/test_support.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace snakepit::process;
using namespace snakepit::process::test;
using namespace std::chrono_literals;

namespace {

launch_spec sh(const std::string& script, std::vector<std::string> extra = {},
               std::string tag = "test") {
  launch_spec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", script, "sh"};
  spec.args.insert(spec.args.end(), extra.begin(), extra.end());
  spec.tag = std::move(tag);
  return spec;
}

launch_spec sleeper(const std::string& seconds = "100") {
  return launch_spec{"/bin/sleep", {seconds}, {}, "sleeper"};
}

std::shared_ptr<spdlog::logger> quiet_logger() {
  return std::make_shared<spdlog::logger>(
    "quiet", std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::shared_ptr<recorder> spawn(launcher& host, launch_spec spec) {
  auto rec = make_recorder();
  host.spawn(std::move(spec), rec->on_started(), rec->on_exit());
  return rec;
}

/// A scratch file removed at the end of the test.
struct temp_file {
  std::string path;
  temp_file() {
    char name[] = "/tmp/snakepit-process-test-XXXXXX";
    int fd = ::mkstemp(name);
    if (fd >= 0)
      ::close(fd);
    path = name;
  }
  ~temp_file() {
    std::remove(path.c_str());
  }
  std::string read() const {
    std::ifstream in{path};
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

} // namespace

TEST_CASE("describe renders exit codes and signals", "[process_host]") {
  CHECK(describe(exit_info{3, 0, {}}) == "exited with code 3");
  CHECK(describe(exit_info{-1, 9, {}}) == "killed by signal 9 (SIGKILL)");
  CHECK(describe(exit_info{-1, 15, {}}) == "killed by signal 15 (SIGTERM)");
}

TEST_CASE("a child's exit code reaches on_exit", "[process_host]") {
  process_host host{quiet_logger()};
  auto rec = spawn(host, sh("exit 3"));
  auto st = rec->wait_running();
  CHECK(st.pid > 0);
  auto info = rec->wait_exit();
  REQUIRE(info);
  CHECK(info->exit_code == 3);
  CHECK(info->signal == 0);
  CHECK(rec->exit_id() == st.id);
  host.shutdown(1s);
  CHECK(rec->start_calls() == 1);
  CHECK(rec->exit_calls() == 1);
  CHECK_FALSE(read_stat(st.pid));
}

TEST_CASE("process ids are unique", "[process_host]") {
  process_host host{quiet_logger()};
  auto a = spawn(host, sh("exit 0"));
  auto b = spawn(host, sh("exit 0"));
  CHECK(a->wait_running().id != b->wait_running().id);
}

TEST_CASE("stdout and stderr are logged and kept in the tail",
          "[process_host]") {
  std::ostringstream log_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
  sink->set_pattern("%l %v");
  auto log = std::make_shared<spdlog::logger>("capture", sink);
  process_host host{log};
  auto rec = spawn(host, sh("echo out-line; echo err-line >&2; printf tail",
                            {}, "pool/w1"));
  auto info = rec->wait_exit();
  REQUIRE(info);
  CHECK(info->exit_code == 0);
  CHECK(info->output_tail.find("out-line\n") != std::string::npos);
  CHECK(info->output_tail.find("err-line\n") != std::string::npos);
  CHECK(info->output_tail.find("tail\n") != std::string::npos);
  host.shutdown(1s);
  auto text = log_text.str();
  CHECK(text.find("info [pool/w1] out-line") != std::string::npos);
  CHECK(text.find("info [pool/w1] err-line") != std::string::npos);
}

TEST_CASE("a child's own warnings are logged at warn level",
          "[process_host]") {
  std::ostringstream log_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
  sink->set_pattern("%l %v");
  auto log = std::make_shared<spdlog::logger>("capture", sink);
  process_host host{log};
  auto rec = spawn(host, sh("echo 'snakepit-warning: adapter is racy' >&2; "
                            "echo 'plain snakepit-warning: no'",
                            {}, "pool/w2"));
  REQUIRE(rec->wait_exit());
  host.shutdown(1s);
  auto text = log_text.str();
  CHECK(text.find("warning [pool/w2] adapter is racy") != std::string::npos);
  CHECK(text.find("info [pool/w2] plain snakepit-warning: no")
        != std::string::npos);
}

TEST_CASE("output beyond a pipe's capacity does not block the child",
          "[process_host]") {
  process_host host{quiet_logger()};
  // About 170 KB on stdout from one child and on stderr from the other.
  auto out = spawn(host, sh("seq 1 30000; echo end"));
  auto err = spawn(host, sh("seq 1 30000 >&2; echo end >&2"));
  for (auto& rec : {out, err}) {
    auto info = rec->wait_exit();
    REQUIRE(info);
    CHECK(info->exit_code == 0);
    auto& tail = info->output_tail;
    CHECK(tail.size() <= 8192);
    CHECK(std::count(tail.begin(), tail.end(), '\n') == 30);
    REQUIRE(tail.size() >= 10);
    CHECK(tail.substr(tail.size() - 10) == "30000\nend\n");
  }
}

TEST_CASE("a missing executable fails on_started and never calls on_exit",
          "[process_host]") {
  process_host host{quiet_logger()};
  auto rec = spawn(host, launch_spec{"/nonexistent/snakepit-no-such-binary",
                                     {}, {}, "missing"});
  auto result = rec->wait_started();
  REQUIRE(result);
  auto* error = std::get_if<std::string>(&*result);
  REQUIRE(error);
  CHECK(error->find("/nonexistent/snakepit-no-such-binary")
        != std::string::npos);
  CHECK(error->find("No such file or directory") != std::string::npos);
  auto unknown = spawn(host, launch_spec{"snakepit-no-such-command", {}, {},
                                         "missing"});
  auto unknown_result = unknown->wait_started();
  REQUIRE(unknown_result);
  CHECK(std::holds_alternative<std::string>(*unknown_result));
  host.shutdown(1s);
  CHECK(rec->exit_calls() == 0);
  CHECK(unknown->exit_calls() == 0);
}

TEST_CASE("an exec failure is an error and leaves no zombie",
          "[process_host]") {
  temp_file garbage;
  std::ofstream{garbage.path} << "\x7f\x01\x02 not a program\n";
  std::filesystem::permissions(garbage.path,
                               std::filesystem::perms::owner_all);
  process_host host{quiet_logger()};
  auto rec = spawn(host, launch_spec{garbage.path, {}, {}, "garbage"});
  auto result = rec->wait_started();
  REQUIRE(result);
  auto* error = std::get_if<std::string>(&*result);
  REQUIRE(error);
  CHECK(error->find(garbage.path) != std::string::npos);
  CHECK(error->find("Exec format error") != std::string::npos);
  CHECK(own_zombies().empty());
  host.shutdown(1s);
  CHECK(rec->exit_calls() == 0);
}

TEST_CASE("env adds to and overrides the host environment",
          "[process_host]") {
  process_host host{quiet_logger()};
  auto spec = sh("echo \"var=$SNAKEPIT_TEST_VAR home=$HOME\";"
                 "test \"$SNAKEPIT_TEST_VAR\" = 'hello world' &&"
                 "test \"$HOME\" = /snakepit-home && test -n \"$PATH\"");
  spec.env = {{"SNAKEPIT_TEST_VAR", "hello world"},
              {"HOME", "/snakepit-home"}};
  auto rec = spawn(host, std::move(spec));
  auto info = rec->wait_exit();
  REQUIRE(info);
  INFO(info->output_tail);
  CHECK(info->exit_code == 0);
}

TEST_CASE("a child leads its own process group", "[process_host]") {
  process_host host{quiet_logger()};
  auto rec = spawn(host, sleeper());
  auto st = rec->wait_running();
  CHECK(::getpgid(st.pid) == st.pid);
  auto stat = read_stat(st.pid);
  REQUIRE(stat);
  CHECK(stat->ppid == ::getpid());
  host.kill(st.id);
  REQUIRE(rec->wait_exit());
}

TEST_CASE("terminate ends a sleeping child with SIGTERM", "[process_host]") {
  process_host host{quiet_logger()};
  auto rec = spawn(host, sleeper());
  auto st = rec->wait_running();
  auto begin = std::chrono::steady_clock::now();
  host.terminate(st.id, 20s);
  auto info = rec->wait_exit();
  REQUIRE(info);
  CHECK(info->signal == SIGTERM);
  CHECK(info->exit_code == -1);
  CHECK(std::chrono::steady_clock::now() - begin < 5s);
  CHECK(describe(*info) == "killed by signal 15 (SIGTERM)");
}

TEST_CASE("children get default signal handling", "[process_host]") {
  // A host whose thread blocks SIGTERM and ignores it while forking.
  sigset_t term, saved_mask;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &saved_mask);
  auto saved_handler = std::signal(SIGTERM, SIG_IGN);
  process_host host{quiet_logger()};
  pthread_sigmask(SIG_SETMASK, &saved_mask, nullptr);
  auto rec = spawn(host, sleeper());
  auto st = rec->wait_running();
  std::signal(SIGTERM, saved_handler);
  CHECK_FALSE(ignores_sigterm(st.pid));
  host.terminate(st.id, 20s);
  auto info = rec->wait_exit();
  REQUIRE(info);
  CHECK(info->signal == SIGTERM);
}

TEST_CASE("terminate SIGKILLs a group that ignores SIGTERM after the grace",
          "[process_host]") {
  temp_file pid_file;
  process_host host{quiet_logger()};
  auto rec = spawn(host, sh("trap '' TERM; sleep 100 & echo $! > \"$1\"; wait",
                            {pid_file.path}));
  auto st = rec->wait_running();
  int grandchild = 0;
  REQUIRE(eventually([&] {
    grandchild = std::atoi(pid_file.read().c_str());
    return grandchild > 0;
  }));
  CHECK(running(grandchild));
  CHECK(::getpgid(grandchild) == st.pid);
  auto begin = std::chrono::steady_clock::now();
  host.terminate(st.id, 300ms);
  auto info = rec->wait_exit();
  REQUIRE(info);
  CHECK(std::chrono::steady_clock::now() - begin >= 300ms);
  CHECK(info->signal == SIGKILL);
  CHECK(eventually([&] { return !running(grandchild); }));
}

TEST_CASE("kill SIGKILLs a child at once", "[process_host]") {
  process_host host{quiet_logger()};
  auto rec = spawn(host, sleeper());
  auto st = rec->wait_running();
  host.kill(st.id);
  auto info = rec->wait_exit();
  REQUIRE(info);
  CHECK(info->signal == SIGKILL);
  host.kill(st.id);
  host.terminate(st.id, 10ms);
  host.shutdown(1s);
  CHECK(rec->exit_calls() == 1);
}

TEST_CASE("shutdown stops and reaps every child", "[process_host]") {
  process_host host{quiet_logger()};
  std::vector<std::shared_ptr<recorder>> recs;
  for (int i = 0; i < 3; ++i)
    recs.push_back(spawn(host, sleeper()));
  recs.push_back(spawn(host, sh("trap '' TERM; sleep 100")));
  std::vector<int> pids;
  for (auto& rec : recs)
    pids.push_back(rec->wait_running().pid);
  REQUIRE(eventually([&] { return ignores_sigterm(pids[3]); }));
  host.shutdown(300ms);
  for (size_t i = 0; i < recs.size(); ++i) {
    CHECK(recs[i]->exit_calls() == 1);
    CHECK_FALSE(read_stat(pids[i]));
    // The group's other members (sh's sleep) were killed with it; they
    // leave /proc once reaped by their new parent, a moment later.
    CHECK(eventually([&] { return group_members(pids[i]).empty(); }));
  }
  CHECK(recs[0]->wait_exit()->signal == SIGTERM);
  CHECK(recs[3]->wait_exit()->signal == SIGKILL);
  auto late = spawn(host, sleeper());
  auto result = late->wait_started();
  REQUIRE(result);
  CHECK(std::holds_alternative<std::string>(*result));
  host.shutdown(1s);
}

TEST_CASE("the destructor stops running children", "[process_host]") {
  int pid = 0;
  {
    process_host host{quiet_logger()};
    auto rec = spawn(host, sleeper());
    pid = rec->wait_running().pid;
  }
  CHECK_FALSE(running(pid));
}

TEST_CASE("children die with a SIGKILLed host", "[process_host]") {
  const char* dir = std::getenv("SNAKEPIT_TEST_BIN_DIR");
  auto probe = dir != nullptr
                 ? std::string{dir} + "/process_host_probe"
                 : std::filesystem::read_symlink("/proc/self/exe")
                       .parent_path()
                       .string()
                     + "/process_host_probe";
  owned_process host{{probe}, true};
  REQUIRE(host.pid() > 0);
  auto line = host.read_line("child ");
  REQUIRE(line);
  int child = std::atoi(line->c_str());
  REQUIRE(child > 0);
  CHECK(running(child));
  CHECK(read_stat(child)->ppid == host.pid());
  ::kill(host.pid(), SIGKILL);
  host.reap();
  CHECK(eventually([&] { return !running(child); }, 5s));
  if (running(child))
    ::kill(child, SIGKILL);
}
