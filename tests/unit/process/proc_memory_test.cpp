// Reading a process's memory from /proc/PID/smaps_rollup: our own process,
// a process that is gone, and the PSS growing with memory we touch.

#include "process/proc_cpu.hpp"
#include "process/proc_memory.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <numeric>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace snakepit::process;

namespace {

/// The pid of a child that has exited and been reaped: no such process.
int dead_pid() {
  pid_t pid = ::fork();
  if (pid == 0)
    ::_exit(0);
  REQUIRE(pid > 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return static_cast<int>(pid);
}

} // namespace

TEST_CASE("read_memory of our own process", "[process][proc_memory]") {
  auto r = read_memory(static_cast<int>(::getpid()));
  INFO(r.error);
  REQUIRE(r.error.empty());
  CHECK(r.memory.processes == 1);
  CHECK(r.memory.pss > 0);
  CHECK(r.memory.rss >= r.memory.pss);
  CHECK(r.memory.pss >= r.memory.uss);
  CHECK(r.memory.uss >= r.memory.dirty);
  auto pss = pss_bytes(static_cast<int>(::getpid()));
  REQUIRE(pss.has_value());
  CHECK(*pss > 0);
  CHECK(*pss % 1024 == 0);
}

TEST_CASE("read_memory of a process that is gone names the file",
          "[process][proc_memory]") {
  auto pid = dead_pid();
  auto r = read_memory(pid);
  CHECK(r.error == "cannot read /proc/" + std::to_string(pid)
                     + "/smaps_rollup");
  CHECK(r.memory.processes == 0);
  CHECK_FALSE(pss_bytes(pid).has_value());
  // A sum stops at the first process it cannot read.
  auto sum = read_memory(std::vector<int>{static_cast<int>(::getpid()), pid});
  CHECK(sum.error == r.error);
}

TEST_CASE("read_memory sums over processes", "[process][proc_memory]") {
  auto self = static_cast<int>(::getpid());
  auto one = read_memory(self);
  auto two = read_memory(std::vector<int>{self, self});
  REQUIRE(two.error.empty());
  CHECK(two.memory.processes == 2);
  // Our memory moves a little between the readings; the sum is about twice
  // one reading.
  CHECK(two.memory.rss > one.memory.rss);
  CHECK(read_memory(std::vector<int>{}).memory.processes == 0);
}

TEST_CASE("touching 256 MiB raises our PSS by about 256 MiB",
          "[process][proc_memory]") {
  // Large against the noise: our share of the pages of libsnakepit.so and
  // other shared libraries drops by megabytes whenever another process
  // (another test running in parallel) maps them between the readings.
  constexpr size_t size = 256u << 20;
  auto self = static_cast<int>(::getpid());
  auto before = pss_bytes(self);
  REQUIRE(before.has_value());
  // Every byte written: every page resident and private to this process.
  std::vector<unsigned char> block(size, 1);
  auto after = pss_bytes(self);
  REQUIRE(after.has_value());
  // Read the block back so the writes cannot be optimized away.
  CHECK(std::accumulate(block.begin(), block.end(), uint64_t{0}) == size);
  INFO("before " << *before << " B, after " << *after << " B");
  REQUIRE(*after > *before);
  CHECK(*after - *before >= uint64_t{224} << 20);
}

TEST_CASE("cpu_seconds counts this process's CPU time", "[proc_cpu]") {
  auto before = snakepit::process::cpu_seconds(getpid());
  REQUIRE(before.has_value());
  // Burn 0.2 s of CPU as the kernel counts it: a wall-clock spin gets
  // less than that on a loaded machine.
  auto burned = [] {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec)
           + static_cast<double>(t.tv_nsec) / 1e9;
  };
  auto start = burned();
  volatile unsigned long spin = 0;
  while (burned() - start < 0.2)
    spin = spin + 1;
  auto after = snakepit::process::cpu_seconds(getpid());
  REQUIRE(after.has_value());
  CHECK(*after - *before >= 0.1);
  CHECK_FALSE(snakepit::process::cpu_seconds(999999999).has_value());
  CHECK(snakepit::process::cpu_seconds(std::vector<int>{999999999}) == 0);
}
