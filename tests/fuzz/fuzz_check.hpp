#pragma once

/// Property checks inside fuzz harnesses: a broken property is a finding,
/// reported like a crash so that libFuzzer saves the input.

#include <cstdio>
#include <cstdlib>

namespace snakepit::fuzz {

/// Aborts with `what` on stderr unless `holds`.
inline void require(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

} // namespace snakepit::fuzz
