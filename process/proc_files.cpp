#include "process/proc_files.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace snakepit::process {

std::string read_proc_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return {};
  std::string result;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n > 0)
      result.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(fd);
  return result;
}

} // namespace snakepit::process
