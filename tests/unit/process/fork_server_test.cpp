// process_host with fork servers: real Python fork servers
// (python -m snakepit_bridge.fork_server) forking real showcase workers,
// and the plain starts that stand in when a fork server cannot serve.

#include "process/process_host.hpp"
#include "process/python_location.hpp"

#include "tests/unit/process/fork_specs.hpp"
#include "tests/unit/process/test_support.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <snakepit/config.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <vector>

using namespace snakepit::process;
using namespace snakepit::process::test;
using namespace std::chrono_literals;

namespace {

const std::string showcase
  = "snakepit_bridge.adapters.showcase.ShowcaseAdapter";

/// A scratch directory for sockets and ready files, removed at the end.
struct scratch_dir {
  std::string path;
  scratch_dir() {
    char name[] = "/tmp/snakepit-fork-test-XXXXXX";
    path = ::mkdtemp(name) != nullptr ? name : "";
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  bool has(const std::string& file) const {
    return std::filesystem::exists(path + "/" + file);
  }
};

/// The package directory of the build (next to libsnakepit.so).
std::string package_dir() {
  auto found = find_python_path(std::nullopt);
  REQUIRE(found);
  return found->path;
}

/// A logger whose lines the test can read.
struct captured_log {
  std::ostringstream lines;
  std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>(
    "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  std::string text() {
    logger->flush();
    return lines.str();
  }
};

std::shared_ptr<recorder> spawn(launcher& host, launch_spec spec) {
  auto rec = make_recorder();
  host.spawn(std::move(spec), rec->on_started(), rec->on_exit());
  return rec;
}

/// A fork server that runs `script` instead of the real one: `s` is its
/// control socket, on which it has already said it is ready.
std::shared_ptr<fork_server_spec> scripted_server(const std::string& script) {
  auto server = fork_server_of(snakepit::default_python(), package_dir(),
                               showcase);
  server->start.args = {
    "-c",
    "import os, socket\n"
    "s = socket.socket(fileno=3)\n"
    "s.send(b'{\"op\":\"ready\",\"pid\":%d}' % os.getpid())\n"
      + script,
    "--snakepit-run-id", fork_test_run_id};
  return server;
}

/// The parent of `pid`, 0 if it is gone.
int parent_of(int pid) {
  auto stat = read_stat(pid);
  return stat ? stat->ppid : 0;
}

} // namespace

TEST_CASE("a fork server forks workers that serve and report their exit",
          "[process_host][fork_server]") {
  scratch_dir dir;
  captured_log log;
  process_host host{log.logger};
  auto server = fork_server_of(snakepit::default_python(), package_dir(),
                               showcase);
  auto worker = spawn(host, forked_worker(server, dir.path, "w1"));
  auto w1 = worker->wait_running();
  // Forked: its parent is the fork server, its group its own.
  auto server_pid = parent_of(w1.pid);
  CHECK(server_pid != ::getpid());
  CHECK(server_pid > 0);
  CHECK(read_stat(w1.pid)->pgrp == w1.pid);
  CHECK(eventually([&] { return dir.has("w1.ready"); }));
  // A second worker comes from the same fork server.
  auto second = spawn(host, forked_worker(server, dir.path, "w2"));
  CHECK(parent_of(second->wait_running().pid) == server_pid);
  host.terminate(w1.id, 5s);
  auto end = worker->wait_exit();
  REQUIRE(end);
  CHECK(end->status_known);
  CHECK(end->exit_code == 0);
  // Its output reached the host under its own tag.
  CHECK(end->output_tail.find("snakepit_bridge[" + std::to_string(w1.pid)
                              + "] stopping on SIGTERM")
        != std::string::npos);
  CHECK(log.text().find("[w1] snakepit_bridge[") != std::string::npos);
  // A child that fails its flags exits with the usage error's code.
  auto bad = forked_worker(server, dir.path, "bad");
  bad.forked_args = {"--no-such-flag"};
  auto failing = spawn(host, bad);
  CHECK(parent_of(failing->wait_running().pid) == server_pid);
  auto failed = failing->wait_exit();
  REQUIRE(failed);
  CHECK(failed->exit_code == 2);
  CHECK(failed->output_tail.find("usage:") != std::string::npos);
  // At shutdown the fork server goes last, so the exits are still known.
  host.shutdown(5s);
  auto last = second->wait_exit();
  REQUIRE(last);
  CHECK(last->status_known);
  CHECK_FALSE(running(server_pid));
}

TEST_CASE("workers die with a killed fork server, and a new one follows",
          "[process_host][fork_server]") {
  scratch_dir dir;
  process_host host{std::make_shared<spdlog::logger>("quiet")};
  auto server = fork_server_of(snakepit::default_python(), package_dir(),
                               showcase);
  auto first = spawn(host, forked_worker(server, dir.path, "a"));
  auto a = first->wait_running();
  auto old_server = parent_of(a.pid);
  REQUIRE(old_server != ::getpid());
  CHECK(eventually([&] { return dir.has("a.ready"); }));
  ::kill(old_server, SIGKILL);
  // Its worker goes with it; how it ended nobody can tell any more.
  auto end = first->wait_exit();
  REQUIRE(end);
  CHECK_FALSE(end->status_known);
  CHECK(describe(*end) == "exited (status unknown: its fork server was gone)");
  CHECK_FALSE(running(a.pid));
  // Right after the death: started the plain way (the new fork server
  // waits out its back-off).
  auto plain = spawn(host, forked_worker(server, dir.path, "b"));
  CHECK(parent_of(plain->wait_running().pid) == ::getpid());
  // Later: forked again, by a new fork server.
  std::this_thread::sleep_for(400ms);
  auto again = spawn(host, forked_worker(server, dir.path, "c"));
  auto new_server = parent_of(again->wait_running().pid);
  CHECK(new_server != ::getpid());
  CHECK(new_server != old_server);
}

TEST_CASE("a fork server whose preload fails leaves plain starts",
          "[process_host][fork_server]") {
  scratch_dir dir;
  captured_log log;
  process_host host{log.logger};
  auto server = fork_server_of(snakepit::default_python(), package_dir(),
                               "no_such_module_xyz.Adapter", true);
  auto worker = spawn(host, forked_worker(server, dir.path, "w"));
  CHECK(parent_of(worker->wait_running().pid) == ::getpid());
  CHECK(eventually([&] { return dir.has("w.ready"); }));
  auto text = log.text();
  CHECK(text.find("the fork server's preload failed") != std::string::npos);
  CHECK(text.find("ModuleNotFoundError") != std::string::npos);
  // For good: no new fork server is tried.
  std::this_thread::sleep_for(400ms);
  auto next = spawn(host, forked_worker(server, dir.path, "w2"));
  CHECK(parent_of(next->wait_running().pid) == ::getpid());
}

TEST_CASE("a forked worker and its fork server die with a SIGKILLed host",
          "[process_host][fork_server]") {
  scratch_dir dir;
  auto probe = std::filesystem::read_symlink("/proc/self/exe")
                 .parent_path()
                 .string()
               + "/process_host_probe";
  owned_process host{{probe, "--forked", snakepit::default_python(),
                      package_dir(), dir.path},
                     true};
  REQUIRE(host.pid() > 0);
  auto line = host.read_line("child ");
  REQUIRE(line);
  int child = std::atoi(line->c_str());
  REQUIRE(child > 0);
  int server = parent_of(child);
  REQUIRE(server > 0);
  CHECK(server != host.pid());
  CHECK(parent_of(server) == host.pid());
  ::kill(host.pid(), SIGKILL);
  host.reap();
  CHECK(eventually([&] { return !running(server); }, 5s));
  CHECK(eventually([&] { return !running(child); }, 5s));
  for (int pid : {child, server})
    if (running(pid))
      ::kill(pid, SIGKILL);
}

TEST_CASE("a fork server that stops answering is killed and its starts go "
          "plain",
          "[process_host][fork_server]") {
  scratch_dir dir;
  captured_log log;
  process_host host{log.logger};
  // Says it is ready, then never answers a request.
  auto server = scripted_server("import time\n"
                                "time.sleep(100)\n");
  auto worker = spawn(host, forked_worker(server, dir.path, "w"));
  auto started = worker->wait_running();
  CHECK(parent_of(started.pid) == ::getpid());
  CHECK(eventually([&] { return dir.has("w.ready"); }));
  CHECK(log.text().find("did not answer a fork request within 5 s")
        != std::string::npos);
}

TEST_CASE("a fork server working through a queue of requests is not killed "
          "as hung",
          "[process_host][fork_server]") {
  scratch_dir dir;
  captured_log log;
  process_host host{log.logger};
  // Answers every request, in order, 1.2 s after it read it (refusing, so
  // the starts go plain): the fifth answer comes 6 s after all five were
  // sent, but never more than 1.2 s after the one before.
  auto server = scripted_server(
    "import json, time\n"
    "while True:\n"
    "    request = json.loads(s.recv(1 << 20))\n"
    "    time.sleep(1.2)\n"
    "    s.send(json.dumps({'op': 'refused', 'id': request['id'],\n"
    "                       'error': 'slow'}).encode())\n");
  std::vector<std::shared_ptr<recorder>> workers;
  for (int i = 0; i < 5; ++i)
    workers.push_back(
      spawn(host, forked_worker(server, dir.path, "w" + std::to_string(i))));
  for (auto& worker : workers)
    CHECK(worker->wait_running().pid > 0);
  auto text = log.text();
  CHECK(text.find("did not answer a fork request") == std::string::npos);
  std::size_t refused = 0;
  for (auto at = text.find("refused it (slow)"); at != std::string::npos;
       at = text.find("refused it (slow)", at + 1))
    ++refused;
  CHECK(refused == 5);
}
