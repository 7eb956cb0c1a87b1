// The `snakepit` command-line tool as a user runs it: exec's output and exit
// codes, config errors, and `snakepit run` under signals. A SIGKILLed host
// must not leave Python workers behind.

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include "support.hpp"

using namespace snakepit::it;
using std::chrono::milliseconds;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Writes a config with one showcase pool of `size` workers, its run
/// directory under `tmp`, and returns its path. `extra` is appended to the
/// pool's table.
std::string write_config(const temp_dir& tmp, int size,
                         const std::string& extra = "") {
  auto path = tmp / "snakepit.toml";
  write_file(path, "run_dir = \"" + (tmp / "run") + "\"\n"
                     "log_level = \"info\"\n"
                     "[[pools]]\n"
                     "name = \"default\"\n"
                     "size = " + std::to_string(size) + "\n"
                     "startup_timeout = \"10s\"\n"
                     "shutdown_timeout = \"2s\"\n"
                     "restart_backoff = \"50ms\"\n"
                     + extra);
  return path;
}

/// True when the run base holds nothing (every host removed its run dir).
bool run_base_empty(const temp_dir& tmp) {
  std::error_code ec;
  return !std::filesystem::exists(tmp / "run", ec)
         || std::filesystem::is_empty(tmp / "run", ec);
}

std::string describe_run(const run_result& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout:\n" + r.out
         + "\n--- stderr:\n" + r.err;
}

/// Starts `snakepit run` with a 2-worker pool and waits until it serves.
/// Returns the pids of its Python workers.
std::vector<int> start_serving(child_process& host) {
  INFO("stderr so far:\n" << host.err());
  REQUIRE(host.wait_for_stderr("2/2 workers ready", patience));
  std::vector<int> workers;
  REQUIRE(eventually([&] {
    workers = python_workers_of(host.pid());
    return workers.size() == 2;
  }));
  for (int pid : workers) {
    auto args = proc_args(pid);
    CHECK(std::find(args.begin(), args.end(), "--snakepit-run-id")
          != args.end());
  }
  return workers;
}

/// `snakepit run` stops cleanly on `sig`: exit 0, no worker left, run
/// directory removed.
void check_clean_stop_on(int sig, const std::string& name) {
  temp_dir tmp;
  auto cfg = write_config(tmp, 2);
  child_process host{{cli_path(), "run", "-c", cfg}};
  auto workers = start_serving(host);
  REQUIRE(host.wait_for_stderr("serving 1 pool(s)", patience));

  host.signal(sig);
  auto code = host.wait_exit(patience);
  INFO("stderr:\n" << host.err());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(contains(host.err(), "received " + name));
  CHECK(contains(host.err(), "stopped"));
  // The host reaped its workers before it exited.
  for (int pid : workers) {
    INFO("worker pid " << pid);
    CHECK(process_gone(pid));
  }
  CHECK(run_base_empty(tmp));
}

} // namespace

TEST_CASE("cli: exec add prints the sum", "[integration][cli]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 1);
  auto r = run_command({cli_path(), "exec", "-c", cfg, "add",
                        R"({"a":2,"b":3})"});
  INFO(describe_run(r));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5\n");
  CHECK(run_base_empty(tmp));

  auto echo = run_command({cli_path(), "exec", "-c", cfg, "--log-level",
                           "off", "echo", R"({"x":[1,"two"]})"});
  INFO(describe_run(echo));
  CHECK(echo.exit_code == 0);
  CHECK(echo.out == "{\"x\": [1, \"two\"]}\n");
  CHECK(echo.err.empty());
}

TEST_CASE("cli: exec --binary passes a file raw and writes a binary result "
          "raw", "[integration][cli]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 1);
  auto input = tmp / "in.bin";
  {
    std::ofstream out{input, std::ios::binary};
    out << std::string{"A\0\xff", 3};
  }
  auto r = run_command({cli_path(), "exec", "-c", cfg, "--log-level", "off",
                        "--binary", "data=" + input, "xor_bytes",
                        R"({"key":1})"});
  INFO(describe_run(r));
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string{"@\x01\xfe", 3});
  auto missing = run_command({cli_path(), "exec", "-c", cfg, "--binary",
                              "data=" + tmp / "none",
                              "xor_bytes"});
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "--binary data: cannot read"));
  CHECK(run_base_empty(tmp));
}

TEST_CASE("cli: exec fail exits non-zero with the Python traceback",
          "[integration][cli]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 1);
  auto r = run_command({cli_path(), "exec", "-c", cfg, "fail",
                        R"({"message":"cli boom"})"});
  INFO(describe_run(r));
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "python_error"));
  CHECK(contains(r.err, "RuntimeError"));
  CHECK(contains(r.err, "cli boom"));
  CHECK(contains(r.err, "Traceback"));
  CHECK(run_base_empty(tmp));
}

TEST_CASE("cli: exec --idempotent retries a crashed call once, on the "
          "replacement when it is the only worker",
          "[integration][cli][crash_barrier]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 1);
  auto r = run_command({cli_path(), "exec", "-c", cfg, "--idempotent",
                        "crash", R"({"code":7})"});
  INFO(describe_run(r));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "retrying idempotent call crash once"));
  CHECK(contains(r.err, "worker_crashed: worker default/w2"));
  CHECK(contains(r.err, "exited with code 7"));
}

TEST_CASE("cli: exec reports request errors with their category",
          "[integration][cli]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 1);

  auto nopool = run_command({cli_path(), "exec", "-c", cfg, "--pool",
                             "nosuch", "ping"});
  INFO(describe_run(nopool));
  CHECK(nopool.exit_code == 1);
  CHECK(contains(nopool.err, "pool_not_found"));
  CHECK(contains(nopool.err, "nosuch"));

  auto unknown = run_command({cli_path(), "exec", "-c", cfg, "nope"});
  INFO(describe_run(unknown));
  CHECK(unknown.exit_code == 1);
  CHECK(contains(unknown.err, "unknown_command"));

  auto badjson = run_command({cli_path(), "exec", "-c", cfg, "echo",
                              "{not json"});
  INFO(describe_run(badjson));
  CHECK(badjson.exit_code == 1);
  CHECK(contains(badjson.err, "invalid_arguments"));

  auto badtimeout = run_command({cli_path(), "exec", "-c", cfg, "--timeout",
                                 "soon", "ping"});
  INFO(describe_run(badtimeout));
  CHECK(badtimeout.exit_code == 2);
  CHECK(contains(badtimeout.err, "soon"));
  CHECK(run_base_empty(tmp));
}

TEST_CASE("cli: exec --session runs a command in a session and refuses "
          "an unknown --affinity", "[integration][cli]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 1);
  auto first = run_command({cli_path(), "exec", "-c", cfg, "--log-level",
                            "off", "--session", "s", "session_add"});
  INFO(describe_run(first));
  REQUIRE(first.exit_code == 0);
  CHECK(nlohmann::json::parse(first.out).at("total") == 1);

  auto strict = run_command({cli_path(), "exec", "-c", cfg, "--log-level",
                             "off", "--session", "s", "--affinity",
                             "strict_fail_fast", "session_add",
                             R"({"amount": 4})"});
  INFO(describe_run(strict));
  REQUIRE(strict.exit_code == 0);
  // Each exec is a host of its own: the session starts anew.
  CHECK(nlohmann::json::parse(strict.out).at("total") == 4);

  auto bogus = run_command({cli_path(), "exec", "-c", cfg, "--session", "s",
                            "--affinity", "bogus", "session_add"});
  INFO(describe_run(bogus));
  CHECK(bogus.exit_code == 2);
  CHECK(contains(bogus.err,
                 "--affinity: 'bogus' is not hint, strict_queue or "
                 "strict_fail_fast"));
  CHECK(bogus.out.empty());

  auto alone = run_command({cli_path(), "exec", "-c", cfg, "--affinity",
                            "hint", "session_add"});
  INFO(describe_run(alone));
  CHECK(alone.exit_code == 2);
  CHECK(contains(alone.err, "--affinity needs --session"));

  // Without a session the tool has no state to reach.
  auto none = run_command({cli_path(), "exec", "-c", cfg, "session_add"});
  INFO(describe_run(none));
  CHECK(none.exit_code == 1);
  CHECK(contains(none.err, "no session id"));
  CHECK(run_base_empty(tmp));
}

TEST_CASE("cli: a config with a bad key exits 2 naming the key",
          "[integration][cli]") {
  temp_dir tmp;
  auto top = tmp / "top.toml";
  write_file(top, "run_dir = \"" + (tmp / "run") + "\"\nbogus_key = 1\n");
  auto r = run_command({cli_path(), "exec", "-c", top, "ping"});
  INFO(describe_run(r));
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "bogus_key"));
  CHECK(contains(r.err, "top.toml"));
  CHECK(r.out.empty());

  // A typo in a pool: the key's path, its line, and a suggestion.
  auto cfg = write_config(tmp, 1, "sizee = 2\n");
  auto typo = run_command({cli_path(), "run", "-c", cfg});
  INFO(describe_run(typo));
  CHECK(typo.exit_code == 2);
  CHECK(contains(typo.err, "pools[0].sizee"));
  CHECK(contains(typo.err, "snakepit.toml:9"));
  CHECK(contains(typo.err, "\"size\""));

  auto missing = run_command({cli_path(), "exec", "-c", tmp / "absent.toml",
                              "ping"});
  INFO(describe_run(missing));
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "absent.toml"));
  // Nothing was started.
  CHECK(run_base_empty(tmp));
}

TEST_CASE("cli: --help exits 0", "[integration][cli]") {
  auto top = run_command({cli_path(), "--help"});
  INFO(describe_run(top));
  CHECK(top.exit_code == 0);
  CHECK(contains(top.out, "exec"));
  CHECK(contains(top.out, "run"));

  auto exec = run_command({cli_path(), "exec", "--help"});
  INFO(describe_run(exec));
  CHECK(exec.exit_code == 0);
  CHECK(contains(exec.out, "COMMAND"));
  CHECK(contains(exec.out, "--pool"));

  auto run = run_command({cli_path(), "run", "--help"});
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "--config"));

  auto none = run_command({cli_path()});
  CHECK(none.exit_code != 0);
}

TEST_CASE("cli: SIGKILL of snakepit run leaves no Python worker",
          "[integration][cli][signals]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 2);
  child_process host{{cli_path(), "run", "-c", cfg}};
  auto workers = start_serving(host);
  for (int pid : workers)
    REQUIRE(process_alive(pid));
  // The pool's fork server goes too.
  auto servers = fork_servers_of(host.pid());
  CHECK(servers.size() == 1);
  workers.insert(workers.end(), servers.begin(), servers.end());

  host.signal(SIGKILL);
  auto code = host.wait_exit(patience);
  REQUIRE(code.has_value());
  CHECK(*code == 128 + SIGKILL);
  for (int pid : workers) {
    INFO("worker pid " << pid);
    CHECK(eventually([&] { return process_gone(pid); }, 5000ms));
  }
}

TEST_CASE("cli: SIGTERM stops snakepit run cleanly",
          "[integration][cli][signals]") {
  check_clean_stop_on(SIGTERM, "SIGTERM");
}

TEST_CASE("cli: SIGINT stops snakepit run cleanly",
          "[integration][cli][signals]") {
  check_clean_stop_on(SIGINT, "SIGINT");
}

// `snakepit exec` must not abort after its call succeeded. It used to, about
// 1 run in 8: exit 134, nothing on stdout, "assertion failed: prior > 0"
// from gRPC on stderr. exec stops the host right after the reply; the worker
// dropped its channel while the gRPC completion callback still owned the
// call state holding the last reference to the grpc::Channel, which then
// went away on gRPC 1.51's CallbackAlternativeCQ thread and tore that queue
// down under itself (grpc/grpc#37858, grpc/grpc#32584).
TEST_CASE("cli: exec never aborts at exit",
          "[integration][cli]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 1);
  int aborted = 0;
  for (int run = 0; run < 24; ++run) {
    auto r = run_command({cli_path(), "exec", "-c", cfg, "--log-level",
                          "warn", "ping"});
    if (r.exit_code != 0 || r.out != "\"pong\"\n") {
      ++aborted;
      UNSCOPED_INFO("run " << run << ": " << describe_run(r));
    }
  }
  CHECK(aborted == 0);
}

TEST_CASE("cli: recycle asks a running host to replace its workers",
          "[integration][cli][recycling]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 2);
  auto nobody = run_command({cli_path(), "recycle", "-c", cfg, "--pool",
                             "default"});
  INFO(describe_run(nobody));
  CHECK(nobody.exit_code == 1);
  CHECK(contains(nobody.err, "no running snakepit host found under"));

  child_process host{{cli_path(), "run", "-c", cfg}};
  auto workers = start_serving(host);
  auto unknown = run_command({cli_path(), "recycle", "-c", cfg, "--pool",
                              "default", "--worker", "default/w9"});
  INFO(describe_run(unknown));
  CHECK(unknown.exit_code == 1);
  CHECK(contains(unknown.err, "no worker \"default/w9\""));
  auto nopool = run_command({cli_path(), "recycle", "-c", cfg, "--pool",
                             "gpu"});
  CHECK(nopool.exit_code == 1);
  CHECK(contains(nopool.err, "no pool named 'gpu'"));

  auto r = run_command({cli_path(), "recycle", "-c", cfg, "--pool",
                        "default"});
  INFO(describe_run(r));
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "recycling 2 worker(s)"));
  CHECK(contains(r.out, "default/w1"));
  CHECK(contains(r.out, "default/w2"));
  // One after the other, each replacement ready before its worker goes.
  REQUIRE(host.wait_for_stderr("default/w2 recycled (manual)", patience));
  REQUIRE(host.wait_for_stderr("default/w1 recycled (manual)", patience));
  for (int pid : workers)
    CHECK(eventually([&] { return process_gone(pid); }));
  CHECK(eventually([&] { return python_workers_of(host.pid()).size() == 2; }));
  host.signal(SIGTERM);
  auto code = host.wait_exit(patience);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

TEST_CASE("cli: diagnose checks the machine with real workers",
          "[integration][cli][diagnose]") {
  const std::vector<std::string> names = {"open_files", "processes",
                                          "memory",     "python",
                                          "socket_path", "spawn_rate"};
  SECTION("a config this machine can run") {
    temp_dir tmp;
    auto cfg = write_config(tmp, 2);
    auto r = run_command({cli_path(), "diagnose", "-c", cfg, "--format",
                          "json"});
    INFO(describe_run(r));
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.out);
    std::map<std::string, nlohmann::json> findings;
    for (const auto& f : doc.at("findings"))
      findings[f.at("name").get<std::string>()] = f;
    for (const auto& name : names) {
      INFO("finding " << name);
      REQUIRE(findings.count(name) == 1);
      CHECK(findings[name].at("status") != "critical");
      CHECK_FALSE(findings[name].at("advice").get<std::string>().empty());
    }
    const auto& memory = findings["memory"].at("values");
    CHECK(memory.at("process_worker_pss_bytes").get<int64_t>() > 0);
    CHECK(memory.at("thread_worker_pss_bytes").get<int64_t>() > 0);
    CHECK(findings["spawn_rate"].at("values").at("workers_per_second")
            .get<double>()
          > 0);
    CHECK(findings["open_files"].at("values").at("measured") == true);
    CHECK(doc.at("machine").at("cores").get<int>() >= 1);
    // Every worker it started is gone, and it never used the config's
    // run directory.
    REQUIRE(doc.at("run_ids").size() == 3);
    for (const auto& id : doc.at("run_ids")) {
      INFO("run " << id);
      CHECK(eventually([&] { return run_processes(id).empty(); }));
    }
    CHECK(run_base_empty(tmp));

    auto text = run_command({cli_path(), "diagnose", "-c", cfg,
                             "--spawn-workers", "2"});
    INFO(describe_run(text));
    CHECK(text.exit_code == 0);
    for (const auto& name : names)
      CHECK(contains(text.out, "\n" + name + " "));
    CHECK(contains(text.out, "machine: "));

    auto usage = run_command({cli_path(), "diagnose", "-c", cfg, "--format",
                              "xml"});
    CHECK(usage.exit_code == 2);
    CHECK(contains(usage.err, "xml"));
  }

  SECTION("an interpreter that cannot run workers is critical") {
    for (std::string python : {"/bin/false", "/nonexistent/python3"}) {
      INFO("python = " << python);
      temp_dir tmp;
      auto cfg = write_config(tmp, 1, "python = \"" + python + "\"\n");
      auto r = run_command({cli_path(), "diagnose", "-c", cfg, "--format",
                            "json"});
      INFO(describe_run(r));
      CHECK(r.exit_code == 1);
      auto doc = nlohmann::json::parse(r.out);
      CHECK(doc.at("status") == "critical");
      int critical_python = 0;
      for (const auto& f : doc.at("findings"))
        if (f.at("name") == "python" && f.at("status") == "critical") {
          ++critical_python;
          CHECK(f.at("values").at("interpreter") == python);
          CHECK(contains(f.at("advice").get<std::string>(),
                         "python3-grpcio"));
        }
      CHECK(critical_python == 1);
      // No worker was started with it.
      CHECK(doc.at("run_ids").empty());
      CHECK(run_base_empty(tmp));
    }
  }
}

TEST_CASE("cli: inspect shows a running host's pools as text and JSON",
          "[integration][cli][inspector]") {
  temp_dir tmp;
  auto cfg = write_config(tmp, 2, "lifecycle_interval = \"100ms\"\n");
  auto absent = run_command({cli_path(), "inspect", "-c", cfg});
  INFO(describe_run(absent));
  CHECK(absent.exit_code == 1);
  CHECK(contains(absent.err, "no running snakepit host found under"));

  child_process host{{cli_path(), "run", "-c", cfg}};
  auto workers = start_serving(host);
  // A short-lived `exec` on the same run base serves no admin socket, so
  // the CLI still finds exactly one host.
  child_process exec{{cli_path(), "exec", "-c", cfg, "sleep", "{\"ms\": 3000}"}};
  REQUIRE(exec.wait_for_stderr("workers ready", patience));
  auto text = run_command({cli_path(), "inspect", "-c", cfg,
                           "--recommendations"});
  INFO(describe_run(text));
  REQUIRE(text.exit_code == 0);
  CHECK(contains(text.out, "pool default: process profile, 2/2 workers ready"));
  CHECK(contains(text.out, "utilization now 0%"));
  CHECK(contains(text.out, "default/w1"));
  CHECK(contains(text.out, "default/w2"));
  CHECK(contains(text.out, "sessions  0 held, 0 lost"));
  CHECK(contains(text.out, "snapshots"));
  CHECK(contains(text.out, "recommendations:"));

  auto json = run_command({cli_path(), "inspect", "-c", cfg, "--format",
                           "json", "--pool", "default"});
  INFO(describe_run(json));
  REQUIRE(json.exit_code == 0);
  auto pools = nlohmann::json::parse(json.out);
  REQUIRE(pools.size() == 1);
  CHECK(pools[0]["name"] == "default");
  CHECK(pools[0]["ready"] == 2);
  CHECK(pools[0]["sessions"] == 0);
  CHECK(pools[0]["sessions_lost"] == 0);
  REQUIRE(pools[0]["workers"].size() == 2);
  std::set<int> pids;
  for (const auto& w : pools[0]["workers"]) {
    pids.insert(w["pid"].get<int>());
    // The showcase adapter has no snapshot hooks.
    CHECK(w["session_snapshots"] == false);
  }
  CHECK(pids == std::set<int>(workers.begin(), workers.end()));

  auto nopool = run_command({cli_path(), "inspect", "-c", cfg, "--pool",
                             "gpu"});
  CHECK(nopool.exit_code == 1);
  CHECK(contains(nopool.err, "no pool named 'gpu'"));
  auto badformat = run_command({cli_path(), "inspect", "-c", cfg, "--format",
                                "xml"});
  CHECK(badformat.exit_code != 0);
  CHECK(exec.wait_exit(patience).value_or(-1) == 0);
  host.signal(SIGTERM);
  CHECK(host.wait_exit(patience).value_or(-1) == 0);
}

TEST_CASE("cli: exec next to a serving host does not take its metrics port",
          "[integration][cli][telemetry]") {
  temp_dir tmp;
  auto port = std::to_string(20000 + getpid() % 20000);
  auto path = tmp / "serving.toml";
  write_file(path, "run_dir = \"" + (tmp / "run") + "\"\n"
                     + "[telemetry]\nprometheus = true\n"
                     + "prometheus_port = " + port + "\n"
                     + "[[pools]]\nname = \"default\"\nsize = 1\n");
  child_process host{{cli_path(), "run", "-c", path}};
  REQUIRE(host.wait_for_stderr("serving Prometheus metrics on", patience));
  REQUIRE(host.wait_for_stderr("serving 1 pool(s)", patience));
  auto r = run_command({cli_path(), "exec", "-c", path, "add",
                        R"({"a": 1, "b": 2})"});
  INFO(describe_run(r));
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "3"));
  host.signal(SIGTERM);
  CHECK(host.wait_exit(patience).value_or(-1) == 0);
}

TEST_CASE("cli: restart brings a running host's failed pool back",
          "[integration][cli][recovery]") {
  temp_dir tmp;
  auto cfg = write_config(
    tmp, 1,
    "adapter = "
    "\"snakepit_test_adapters.flaky_start.FlakyStartAdapter\"\n"
    "max_restarts = 1\n"
    "recovery_backoff = \"infinity\"\n"
    "[pools.env]\n"
    "PYTHONPATH = \"" + test_adapters_dir() + "\"\n"
    "SNAKEPIT_TEST_START_LOG = \"" + (tmp / "starts") + "\"\n"
    "SNAKEPIT_TEST_FAILING_STARTS = \"2\"\n");
  child_process host{{cli_path(), "run", "-c", cfg}};
  REQUIRE(host.wait_for_stderr("1 pool(s) failed to start", patience));

  auto nopool = run_command({cli_path(), "restart", "-c", cfg, "--pool",
                             "gpu"});
  CHECK(nopool.exit_code == 1);
  CHECK(contains(nopool.err, "no pool named 'gpu'"));
  auto r = run_command({cli_path(), "restart", "-c", cfg, "--pool",
                        "default"});
  INFO(describe_run(r));
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "restarting all its workers"));
  CHECK(contains(r.out, "simulated start failure 2 of 2"));
  REQUIRE(host.wait_for_stderr("recovered (manual)", patience));
  REQUIRE(host.wait_for_stderr("1/1 workers ready", patience));
  auto again = run_command({cli_path(), "restart", "-c", cfg, "--pool",
                            "default"});
  INFO(describe_run(again));
  CHECK(again.exit_code == 0);
  CHECK(contains(again.out, "has not failed"));

  host.signal(SIGTERM);
  auto code = host.wait_exit(patience);
  REQUIRE(code.has_value());
  CHECK(*code == 1); // the pool had failed at start
}
