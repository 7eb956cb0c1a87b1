#pragma once

/// How many workers fit in the memory this machine has available, from the
/// measured PSS of a real worker of each profile.

#include <cstdint>
#include <string>

#include "diagnostics/demand.hpp"
#include "diagnostics/finding.hpp"

namespace snakepit::diagnostics {

/// What the memory check looks at.
struct memory_facts {
  /// MemAvailable of /proc/meminfo.
  uint64_t available_bytes = 0;
  /// PSS of an idle process-profile worker; 0 when not measured.
  uint64_t process_worker_pss_bytes = 0;
  /// PSS of an idle thread-profile worker; 0 when not measured.
  uint64_t thread_worker_pss_bytes = 0;
  /// Slots of the thread-profile worker measured.
  int thread_worker_slots = 0;
  /// Why the workers were not measured; empty when they were.
  std::string not_measured;
};

/// Share of MemAvailable the pools may take without a warning.
inline constexpr double memory_headroom = 0.8;

/// Warning when the workers were not measured or the config's workers take
/// more than 80% of MemAvailable, critical when more than all of it, ok
/// otherwise. Reports how many workers of each profile fit (in all of
/// MemAvailable and in 80% of it) and how many thread slots that is.
finding check_memory(const memory_facts& facts, const demand& need);

} // namespace snakepit::diagnostics
