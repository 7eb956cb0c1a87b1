#include "actors/worker_measurements.hpp"

#include "process/proc_cpu.hpp"
#include "process/proc_memory.hpp"

namespace snakepit {

namespace {

/// Growth is reported once baseline and sample are this far apart.
constexpr std::chrono::minutes growth_span{1};

constexpr uint64_t kib = 1024;

} // namespace

std::optional<memory_figures>
worker_measurements::sample(uint64_t key, int pid,
                            clock_type::time_point now) {
  auto reading = process::read_memory(pid);
  if (!reading.error.empty())
    return std::nullopt;
  memory_figures m;
  m.pss_bytes = static_cast<uint64_t>(reading.memory.pss) * kib;
  m.uss_bytes = static_cast<uint64_t>(reading.memory.uss) * kib;
  m.rss_bytes = static_cast<uint64_t>(reading.memory.rss) * kib;
  auto [i, fresh] = workers_.try_emplace(key);
  auto& w = i->second;
  if (fresh) {
    w.baseline_pss = m.pss_bytes;
    w.baseline_at = now;
  }
  auto cpu = process::cpu_seconds(pid);
  if (cpu && w.cpu_seconds && now > w.last_at)
    w.cpu_cores = (*cpu - *w.cpu_seconds)
                  / std::chrono::duration<double>(now - w.last_at).count();
  w.cpu_seconds = cpu;
  w.last = m;
  w.last_at = now;
  return m;
}

void worker_measurements::forget(uint64_t key) {
  workers_.erase(key);
}

void worker_measurements::fill(uint64_t key, worker_snapshot& w) const {
  auto i = workers_.find(key);
  if (i == workers_.end())
    return;
  const auto& m = i->second;
  w.memory = m.last;
  w.memory_baseline_bytes = m.baseline_pss;
  w.cpu_cores = m.cpu_cores;
  auto span = m.last_at - m.baseline_at;
  if (span >= growth_span) {
    auto hours = std::chrono::duration<double, std::ratio<3600>>(span).count();
    w.memory_growth_bytes_per_hour
      = (static_cast<double>(m.last.pss_bytes)
         - static_cast<double>(m.baseline_pss))
        / hours;
  }
}

} // namespace snakepit
