// Every showcase command through a real host and real Python workers, and
// the replies to requests that are wrong in themselves.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include <sys/stat.h>
#include <unistd.h>

#include "host_fixture.hpp"

using namespace snakepit;
using namespace snakepit::it;
using json = nlohmann::json;

namespace {

/// The result of a reply that must have succeeded.
json result_of(const execute_reply& reply) {
  INFO("reply error: " << describe(reply));
  REQUIRE(reply.ok());
  REQUIRE_FALSE(reply->result_json.empty());
  return json::parse(reply->result_json);
}

bool is_hex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c))
                  && !std::isupper(static_cast<unsigned char>(c));
         });
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("showcase: ping echo and add round-trip", "[integration][showcase]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  REQUIRE(st.ready == 1);

  auto ping = host.exec("ping");
  CHECK(result_of(ping) == "pong");
  CHECK(ping->worker == "default/w1");
  CHECK(ping->run_us > 0);

  // Nested values, unicode, numbers of both kinds and null round-trip.
  json args = {{"s", "h\xc3\xa9llo \"quoted\" \\ back"},
               {"n", json::array({1, 2.5, -7, nullptr})},
               {"o", {{"k", true}, {"empty", json::object()}}},
               {"big", 9007199254740991LL}};
  CHECK(result_of(host.exec("echo", args.dump())) == args);
  CHECK(result_of(host.exec("echo", "{}")) == json::object());
  // An empty argument text means no arguments.
  CHECK(result_of(host.exec("echo", "")) == json::object());

  CHECK(result_of(host.exec("add", R"({"a":2,"b":3})")) == 5);
  CHECK(result_of(host.exec("add", R"({"a":1.5,"b":2.25})")) == 3.75);
  CHECK(result_of(host.exec("add", R"({"a":-10,"b":4})")) == -6);

  // Wrong types raise in Python; missing arguments do not fit the tool.
  auto bad = host.exec("add", R"({"a":"x","b":1})");
  CHECK(bad.code() == error_code::python_error);
  CHECK(bad.error().python_type == "TypeError");
  CHECK(contains(bad.error().message, "a must be a number"));
  auto missing = host.exec("add", R"({"a":1})");
  CHECK(missing.code() == error_code::invalid_arguments);
  CHECK(contains(missing.error().message, "'b'"));
}

TEST_CASE("showcase: sleep cpu_burn hash_blob and allocate",
          "[integration][showcase]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());

  auto slept = host.exec("sleep", R"({"ms":120})");
  auto s = result_of(slept);
  CHECK(s["slept_ms"] == 120);
  CHECK(s["ended"].get<double>() - s["started"].get<double>() >= 0.115);
  CHECK(slept->run_us >= 115000);
  auto negative = host.exec("sleep", R"({"ms":-1})");
  CHECK(negative.code() == error_code::python_error);
  CHECK(negative.error().python_type == "ValueError");

  auto burn = result_of(host.exec("cpu_burn", R"({"ms":30})"));
  CHECK(burn["ms"] == 30);
  CHECK(burn["iterations"].get<int64_t>() > 0);

  // SHA-256 of no bytes is well known; of 2 MiB zeros, stable.
  auto empty = result_of(host.exec("hash_blob", R"({"mb":0})"));
  CHECK(empty["sha256"]
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto h1 = result_of(host.exec("hash_blob", R"({"mb":2})"));
  auto h2 = result_of(host.exec("hash_blob", R"({"mb":2})"));
  auto h3 = result_of(host.exec("hash_blob", R"({"mb":3})"));
  CHECK(h1["mb"] == 2);
  CHECK(is_hex64(h1["sha256"].get<std::string>()));
  CHECK(h1["sha256"] == h2["sha256"]);
  CHECK(h1["sha256"] != h3["sha256"]);
  CHECK(h1["sha256"] != empty["sha256"]);
  auto fractional = host.exec("hash_blob", R"({"mb":1.5})");
  CHECK(fractional.code() == error_code::python_error);
  CHECK(fractional.error().python_type == "TypeError");

  // The one worker keeps what it allocated: totals grow.
  auto a1 = result_of(host.exec("allocate", R"({"mb":4})"));
  auto a2 = result_of(host.exec("allocate", R"({"mb":3})"));
  CHECK(a1["allocated_mb"] == 4);
  CHECK(a1["total_mb"] == 4);
  CHECK(a2["allocated_mb"] == 3);
  CHECK(a2["total_mb"] == 7);
}

TEST_CASE("showcase: worker_info describes a live worker of this run",
          "[integration][showcase]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  REQUIRE(st.workers.size() == 1);

  auto info = result_of(host.exec("worker_info"));
  int pid = info["pid"].get<int>();
  CHECK(pid > 1);
  CHECK(pid != ::getpid());
  CHECK(process_alive(pid));
  CHECK(host_of(pid) == ::getpid());
  auto args = proc_args(pid);
  auto flag = std::find(args.begin(), args.end(), "--snakepit-run-id");
  REQUIRE(flag != args.end());
  REQUIRE(flag + 1 != args.end());
  CHECK(*(flag + 1) == host.run_id());
  CHECK(runs_bridge(args));

  auto version = info["python_version"].get<std::string>();
  CHECK(version.rfind("3.", 0) == 0);
  CHECK(info["implementation"] == "cpython");
  CHECK_FALSE(info["executable"].get<std::string>().empty());
  CHECK(info["thread"].is_string());

  // The pool's view (from the ready handshake) agrees with the worker's.
  const auto& ws = st.workers.front();
  CHECK(ws.id == "default/w1");
  CHECK(ws.info.pid == pid);
  CHECK(ws.info.python_version == version);
  CHECK(ws.info.adapter == host.config().pools[0].adapter);
  CHECK(ws.info.slots == 1);
  // Its socket and ready file live in this host's private run directory.
  CHECK(path_exists(host.run_path()));
  CHECK(host.run_path().rfind(tmp / "run/", 0) == 0);
  struct stat sb;
  REQUIRE(::stat(host.run_path().c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0700);
}

TEST_CASE("python errors: traceback comes back and the same worker serves on",
          "[integration][showcase]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());
  auto before = result_of(host.exec("worker_info"));

  auto failed = host.exec("fail", R"({"message":"boom from the test"})");
  CHECK(failed.code() == error_code::python_error);
  CHECK(failed.error().python_type == "RuntimeError");
  CHECK(contains(failed.error().message, "boom from the test"));
  CHECK(contains(failed.error().traceback, "Traceback"));
  CHECK(contains(failed.error().traceback, "raise RuntimeError(message)"));
  CHECK(contains(failed.error().traceback, "showcase.py"));
  CHECK(failed.error().worker == "default/w1");
  // describe() renders all of it for humans.
  auto text = describe(failed);
  CHECK(contains(text, "python_error"));
  CHECK(contains(text, "RuntimeError"));
  CHECK(contains(text, "Traceback"));

  // Default message, then several failures in a row.
  for (int i = 0; i < 3; ++i) {
    auto again = host.exec("fail");
    CHECK(again.code() == error_code::python_error);
    CHECK(contains(again.error().message, "simulated failure"));
  }

  auto after = result_of(host.exec("worker_info"));
  CHECK(after["pid"] == before["pid"]);
  CHECK(result_of(host.exec("add", R"({"a":20,"b":22})")) == 42);
  auto st = host.status();
  REQUIRE(st.workers.size() == 1);
  CHECK(st.workers[0].id == "default/w1");
  CHECK(st.workers[0].info.pid == before["pid"].get<int>());
  CHECK(st.workers[0].requests_dispatched == 7);
  CHECK(st.all_ready());
}

TEST_CASE("bad requests: invalid JSON and unknown command and unknown pool",
          "[integration][errors]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 1)};
  REQUIRE(host.await_ready().all_ready());

  for (const char* args : {"{not json", "[1,2]", "42", "\"text\"", "{\"a\":1"}) {
    INFO("args: " << args);
    auto reply = host.exec("echo", args);
    CHECK(reply.code() == error_code::invalid_arguments);
    CHECK_FALSE(reply.error().message.empty());
  }

  auto unknown = host.exec("no_such_tool");
  CHECK(unknown.code() == error_code::unknown_command);
  CHECK(contains(unknown.error().message, "no_such_tool"));
  for (const char* tool : {"ping", "echo", "add", "sleep", "cpu_burn",
                           "hash_blob", "allocate", "fail", "crash",
                           "worker_info"}) {
    INFO("tool: " << tool);
    CHECK(contains(unknown.error().message, tool));
  }

  auto nopool = host.client().execute("nosuch", "ping");
  CHECK(nopool.code() == error_code::pool_not_found);
  CHECK(contains(nopool.error().message, "nosuch"));
  CHECK(host.client().status("nosuch").code() == error_code::pool_not_found);
  CHECK(host.client().await_ready("nosuch", 1000ms).code()
        == error_code::pool_not_found);

  // An empty pool name means the default pool.
  execute_request req;
  req.command = "ping";
  CHECK(result_of(host.client().execute(req)) == "pong");

  // None of that hurt the worker.
  auto st = host.status();
  CHECK(st.all_ready());
  CHECK(st.busy_slots == 0);
  CHECK(st.queue_depth == 0);
}
