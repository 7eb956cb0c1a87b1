// The thread profile on a free-threaded interpreter (scripts/
// free-threaded-python.sh builds one; the test command exports its path as
// SNAKEPIT_FREE_THREADED_PYTHON). Two pure-Python `cpu_burn` calls on one
// 2-thread worker run on two cores at once there: the worker process
// accounts for more CPU time than the calls' wall time. With the GIL
// (/usr/bin/python3) it cannot. One ctest test, run alone (RUN_SERIAL), so
// that no other test takes the second core.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <future>

#include "calls.hpp"
#include "host_fixture.hpp"
#include "process/proc_cpu.hpp"
#include "support.hpp"

using namespace snakepit;
using namespace snakepit::it;
using namespace std::chrono;

namespace {

constexpr int burn_ms = 1500;

/// The free-threaded interpreter: $SNAKEPIT_FREE_THREADED_PYTHON, else the
/// script's default prefix; empty when neither exists.
std::string free_threaded_python() {
  if (const char* path = std::getenv("SNAKEPIT_FREE_THREADED_PYTHON"))
    return path;
  std::string fallback = "/opt/snakepit/python3.13t/bin/python3.13t";
  return path_exists(fallback) ? fallback : std::string{};
}

/// A 1-worker, 2-thread pool of the showcase (thread-safe) on `python`,
/// over the native transport (grpcio has no free-threaded build).
host_config two_threads_on(const std::string& python, const temp_dir& tmp) {
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0] = derive_pool(cfg.pools[0], "ft", worker_profile::thread, 1,
                             2);
  cfg.pools[0].python = python;
  cfg.pools[0].transport = worker_transport::native;
  return cfg;
}

/// CPU seconds the worker spent per wall second while two `cpu_burn`
/// calls ran on it at once: about 2 when they ran in parallel, at most
/// about 1 under the GIL. The best of three tries (other processes may
/// take a core for a while; they can only lower the figure).
double parallelism(host_fixture& host, int pid) {
  double best = 0;
  for (int attempt = 0; attempt < 3 && best < 1.5; ++attempt) {
    auto cpu_before = process::cpu_seconds(pid);
    auto t0 = steady_clock::now();
    auto args = "{\"ms\": " + std::to_string(burn_ms) + "}";
    auto a = exec_async(host, make_request("ft", "cpu_burn", args));
    auto b = exec_async(host, make_request("ft", "cpu_burn", args));
    auto ra = a.get();
    auto rb = b.get();
    auto wall = duration<double>(steady_clock::now() - t0).count();
    auto cpu_after = process::cpu_seconds(pid);
    REQUIRE(ra.ok());
    REQUIRE(rb.ok());
    REQUIRE(cpu_before);
    REQUIRE(cpu_after);
    best = std::max(best, (*cpu_after - *cpu_before) / wall);
  }
  return best;
}

} // namespace

TEST_CASE("free-threaded Python: a 2-thread worker runs pure-Python work "
          "on two cores, the GIL build does not",
          "[integration][thread][free-threaded]") {
  auto python = free_threaded_python();
  if (python.empty()) {
    WARN("skipped: no free-threaded interpreter (run "
         "scripts/free-threaded-python.sh)");
    return;
  }
  INFO("interpreter " << python);
  temp_dir tmp;
  captured_log log;
  double free_threaded = 0;
  {
    host_fixture host{two_threads_on(python, tmp)};
    auto st = host.await_ready();
    REQUIRE(st.all_ready());
    const auto& info = st.workers.at(0).info;
    CHECK(info.free_threaded_build);
    CHECK_FALSE(info.gil_enabled);
    free_threaded = parallelism(host, info.pid);
  }
  CHECK(log.matching({"GIL enabled"}).empty());
  CHECK(log.matching({"thread profile on an interpreter with the GIL"})
          .empty());
  double with_gil = 0;
  {
    temp_dir gil_tmp;
    host_fixture host{two_threads_on(default_python(), gil_tmp)};
    auto st = host.await_ready();
    REQUIRE(st.all_ready());
    CHECK(st.workers.at(0).info.gil_enabled);
    with_gil = parallelism(host, st.workers.at(0).info.pid);
  }
  INFO("CPU seconds per wall second: free-threaded " << free_threaded
                                                     << ", GIL " << with_gil);
  CHECK(free_threaded > 1.4);
  CHECK(with_gil < 1.2);
}
