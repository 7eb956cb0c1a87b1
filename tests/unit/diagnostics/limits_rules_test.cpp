// The open-file and process-limit rules with made-up limits and costs.

#include "diagnostics/limits_rules.hpp"

#include "test_support.hpp"

using namespace snakepit;
using namespace snakepit::diagnostics;
using namespace snakepit::diagnostics::test;

namespace {

/// 4 descriptors per worker, 36 for the host, 12 open before.
fd_facts fds(std::optional<uint64_t> soft, std::optional<uint64_t> hard) {
  fd_facts f;
  f.nofile = limit{soft, hard};
  f.open_before = 12;
  f.per_worker = 4;
  f.per_host = 36;
  f.measured = true;
  return f;
}

/// 9 threads per idle worker, 10 for the host, 100 running.
nproc_facts threads(std::optional<uint64_t> soft, bool enforced = true) {
  nproc_facts f;
  f.nproc = limit{soft, soft};
  f.enforced = enforced;
  f.user_threads = 100;
  f.threads_max = 192729;
  f.process_worker_threads = 9;
  f.thread_worker_threads = 9;
  f.host_threads = 10;
  f.measured = true;
  return f;
}

} // namespace

TEST_CASE("open files: ok with room for twice the workers",
          "[diagnostics][rules]") {
  // (1024 - 12 - 36) / 4 = 244 workers allowed.
  auto f = check_open_files(fds(1024, 4096), 100);
  CHECK(f.name == "open_files");
  CHECK(f.status == status::ok);
  CHECK(int_value(f, "workers_allowed") == 244);
  CHECK(int_value(f, "workers_needed") == 100);
  CHECK(f.find("recommended_limit") == nullptr);
  CHECK(contains(f.summary, "allows about 244 workers"));
  CHECK(contains(f.advice, "about 4 descriptors"));
}

TEST_CASE("open files: warning below twice, critical below the need",
          "[diagnostics][rules]") {
  auto warn = check_open_files(fds(1024, 4096), 150);
  CHECK(warn.status == status::warning);
  // 12 + 36 + 2 * 150 * 4 = 1248, rounded up to 2048.
  CHECK(int_value(warn, "recommended_limit") == 2048);
  CHECK(contains(warn.advice, "ulimit -n 2048"));
  CHECK(contains(warn.advice, "LimitNOFILE=2048"));
  CHECK_FALSE(contains(warn.advice, "hard limit"));

  auto crit = check_open_files(fds(1024, 1024), 300);
  CHECK(crit.status == status::critical);
  CHECK(contains(crit.advice, "EMFILE"));
  // The hard limit is too low as well: raising it needs root.
  CHECK(contains(crit.advice, "hard limit (1024)"));
  CHECK(contains(crit.advice, "limits.conf"));
}

TEST_CASE("open files: no limit is ok", "[diagnostics][rules]") {
  auto f = check_open_files(fds(std::nullopt, std::nullopt), 1000);
  CHECK(f.status == status::ok);
  CHECK(int_value(f, "soft_limit") == -1);
  CHECK(int_value(f, "workers_allowed") == -1);
}

TEST_CASE("processes: peak threads per worker", "[diagnostics][rules]") {
  auto f = threads(1000);
  // Idle threads, the server's pool (one per slot) and the ping thread.
  CHECK(peak_worker_threads(f, pool("p", 1)) == 9 + 1 + 1);
  CHECK(peak_worker_threads(f, pool("t", 1, worker_profile::thread, 16))
        == 9 + 16 + 1);
}

TEST_CASE("processes: ok, warning, critical against RLIMIT_NPROC",
          "[diagnostics][rules]") {
  demand need;
  need.pools = {pool("p", 10), pool("t", 2, worker_profile::thread, 8)};
  // 10 + 10 * 11 + 2 * 18 = 156 threads at peak.
  auto ok = check_processes(threads(1000), need);
  CHECK(ok.name == "processes");
  CHECK(ok.status == status::ok);
  CHECK(int_value(ok, "threads_needed") == 156);

  auto warn = check_processes(threads(400), need);
  CHECK(warn.status == status::warning);
  // 100 + 2 * 156 = 412, rounded up.
  CHECK(int_value(warn, "recommended_limit") == 1024);
  CHECK(contains(warn.advice, "ulimit -u 1024"));
  CHECK(contains(warn.advice, "LimitNPROC=1024"));

  auto crit = check_processes(threads(200), need);
  CHECK(crit.status == status::critical);
  CHECK(contains(crit.advice, "EAGAIN"));
  CHECK(contains(crit.advice, "counts threads"));
}

TEST_CASE("processes: a limit that does not bind is ok",
          "[diagnostics][rules]") {
  demand need;
  need.pools = {pool("p", 1000)};
  auto root = check_processes(threads(200, false), need);
  CHECK(root.status == status::ok);
  CHECK(contains(root.summary, "not enforced"));
  auto unlimited = check_processes(threads(std::nullopt), need);
  CHECK(unlimited.status == status::ok);
  CHECK(int_value(unlimited, "soft_limit") == -1);
}

TEST_CASE("nproc_enforced: root and capabilities lift the limit",
          "[diagnostics][rules]") {
  CHECK(nproc_enforced(1000, 0));
  CHECK_FALSE(nproc_enforced(0, 0));
  CHECK_FALSE(nproc_enforced(1000, uint64_t{1} << 24)); // CAP_SYS_RESOURCE
  CHECK_FALSE(nproc_enforced(1000, uint64_t{1} << 21)); // CAP_SYS_ADMIN
  CHECK(nproc_enforced(1000, uint64_t{1} << 12));
}
