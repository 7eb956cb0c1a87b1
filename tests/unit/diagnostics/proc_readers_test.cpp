// The /proc parsers with fixed text, and the readers on this machine.

#include "diagnostics/proc_readers.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace snakepit::diagnostics;

namespace {

const char* const meminfo_text = "MemTotal:       24683652 kB\n"
                                 "MemFree:        20000000 kB\n"
                                 "MemAvailable:   23301648 kB\n"
                                 "Buffers:          123456 kB\n";

const char* const status_text = "Name:\tpython3\n"
                                "Umask:\t0022\n"
                                "State:\tS (sleeping)\n"
                                "Tgid:\t4242\n"
                                "Uid:\t1000\t1001\t1001\t1001\n"
                                "Gid:\t1000\t1000\t1000\t1000\n"
                                "Threads:\t8\n"
                                "CapInh:\t0000000000000000\n"
                                "CapEff:\t000001ffffffffff\n";

} // namespace

TEST_CASE("proc_field reads the number after a key",
          "[diagnostics][proc]") {
  CHECK(proc_field(status_text, "Threads") == 8);
  CHECK(proc_field(status_text, "Tgid") == 4242);
  // The real uid: the first of the four figures.
  CHECK(proc_field(status_text, "Uid") == 1000);
  CHECK(proc_field(meminfo_text, "MemTotal") == 24683652);
  // A key must match whole: "Mem" is no line of its own.
  CHECK_FALSE(proc_field(meminfo_text, "Mem"));
  CHECK_FALSE(proc_field(status_text, "Nope"));
  // No number after the key.
  CHECK_FALSE(proc_field(status_text, "Name"));
  CHECK_FALSE(proc_field("", "Threads"));
}

TEST_CASE("parse_meminfo gives bytes", "[diagnostics][proc]") {
  auto m = parse_meminfo(meminfo_text);
  REQUIRE(m);
  CHECK(m->total_bytes == 24683652ull * 1024);
  CHECK(m->available_bytes == 23301648ull * 1024);
  // Kernels before 3.14 have no MemAvailable.
  CHECK_FALSE(parse_meminfo("MemTotal: 1024 kB\nMemFree: 512 kB\n"));
}

TEST_CASE("parse_task_status and parse_cap_eff", "[diagnostics][proc]") {
  auto st = parse_task_status(status_text);
  REQUIRE(st);
  CHECK(st->real_uid == 1000);
  CHECK(st->threads == 8);
  CHECK_FALSE(parse_task_status("Name:\tx\nThreads:\t3\n"));
  CHECK(parse_cap_eff(status_text) == 0x1ffffffffffull);
  CHECK(parse_cap_eff("Name:\tx\nCapEff:\t0000000000000000\n") == 0u);
  CHECK_FALSE(parse_cap_eff("Name:\tx\n"));
}

TEST_CASE("the readers on this machine", "[diagnostics][proc]") {
  auto own = read_task_status(static_cast<int>(::getpid()));
  REQUIRE(own);
  CHECK(own->real_uid == static_cast<int64_t>(::getuid()));
  CHECK(own->threads >= 1);
  CHECK(count_user_threads(::getuid()) >= own->threads);

  auto before = count_open_fds();
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK(count_open_fds() == before + 1);
  ::close(fd);
  CHECK(count_open_fds() == before);

  auto nofile = read_limit(RLIMIT_NOFILE);
  REQUIRE(nofile.soft);
  CHECK(static_cast<int64_t>(*nofile.soft) > before);

  auto m = read_machine();
  CHECK(m.cores >= 1);
  CHECK(m.affinity_cores >= 1);
  CHECK(m.kernel.rfind("Linux ", 0) == 0);
  CHECK(m.memory_total_bytes > 0);
  CHECK(read_number_file("/proc/sys/kernel/threads-max").value_or(0) > 0);
  CHECK_FALSE(read_number_file("/proc/no/such/file"));
}
