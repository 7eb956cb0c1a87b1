#include "bench/fault_cost.hpp"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <ctime>
#include <vector>

#include "bench/stats.hpp"

namespace snakepit::bench {

namespace {

constexpr std::size_t buffer_bytes = std::size_t{16} << 20;
constexpr std::size_t page_bytes = 4096;

double now_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6
         + static_cast<double>(ts.tv_nsec) / 1e3;
}

/// One fork: the child writes every page and reports microseconds per page
/// through the pipe.
std::optional<double> one_round(volatile unsigned char* buffer) {
  int fds[2];
  if (::pipe(fds) != 0)
    return std::nullopt;
  auto pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    auto start = now_us();
    for (std::size_t at = 0; at < buffer_bytes; at += page_bytes)
      buffer[at] = 2;
    double per_page = (now_us() - start) / (buffer_bytes / page_bytes);
    auto written = ::write(fds[1], &per_page, sizeof per_page);
    ::_exit(written == sizeof per_page ? 0 : 1);
  }
  ::close(fds[1]);
  double per_page = 0;
  ssize_t got;
  do {
    got = ::read(fds[0], &per_page, sizeof per_page);
  } while (got < 0 && errno == EINTR);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != sizeof per_page || !WIFEXITED(status)
      || WEXITSTATUS(status) != 0)
    return std::nullopt;
  return per_page;
}

} // namespace

std::optional<double> cow_fault_microseconds(int rounds) {
  void* mem = ::mmap(nullptr, buffer_bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    return std::nullopt;
  auto* buffer = static_cast<volatile unsigned char*>(mem);
  for (std::size_t at = 0; at < buffer_bytes; at += page_bytes)
    buffer[at] = 1;
  std::vector<double> samples;
  for (int i = 0; i < rounds; ++i) {
    auto us = one_round(buffer);
    if (!us) {
      ::munmap(mem, buffer_bytes);
      return std::nullopt;
    }
    samples.push_back(*us);
  }
  ::munmap(mem, buffer_bytes);
  return median(samples);
}

} // namespace snakepit::bench
