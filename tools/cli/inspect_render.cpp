#include "inspect_render.hpp"

#include <fmt/format.h>

#include <cmath>

namespace snakepit::cli {

namespace {

std::string percent(double ratio) {
  return fmt::format("{}%", static_cast<int>(std::lround(ratio * 100)));
}

std::string counts(const std::map<std::string, int64_t>& by_name) {
  if (by_name.empty())
    return "none";
  std::string out;
  for (const auto& [name, n] : by_name)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", name, n);
  return out;
}

std::string limits(const pool_snapshot& p) {
  auto memory = p.memory_threshold_mb > 0
                  ? fmt::format("{:g} MiB", p.memory_threshold_mb)
                  : std::string{"infinity"};
  auto requests = p.worker_max_requests > 0
                    ? std::to_string(p.worker_max_requests)
                    : std::string{"infinity"};
  return "memory_threshold_mb " + memory + ", worker_max_requests "
         + requests;
}

std::string python_of(const worker_snapshot& w) {
  const auto& info = w.info;
  return fmt::format("{} {}{}", info.implementation, info.python_version,
                     info.gil_enabled           ? " (GIL)"
                     : info.free_threaded_build ? " (free-threaded)"
                                                : "");
}

std::string dispatched(const worker_snapshot& w) {
  return w.request_limit > 0
           ? fmt::format("{}/{}", w.requests_dispatched, w.request_limit)
           : std::to_string(w.requests_dispatched);
}

/// Requests recycled workers were handed past their own limit.
std::string overshoot(const pool_snapshot& p) {
  if (p.worker_max_requests <= 0)
    return "";
  return fmt::format("; past their request limit: {} at most, {} in all",
                     p.overshoot_max, p.overshoot_total);
}

std::string spares(const pool_snapshot& p) {
  std::string out = fmt::format("  spares    {}/{} ready", p.spares.size(),
                                p.spare_workers);
  for (const auto& w : p.spares)
    out += fmt::format("{} {} (pid {}, up {})",
                       &w == &p.spares.front() ? ":" : ",", w.id, w.info.pid,
                       format_uptime(w.uptime_seconds));
  return out + "\n";
}

void render_workers(std::string& out, const pool_snapshot& p) {
  out += fmt::format("  {:<18} {:>7} {:<8} {:>5} {:>10} {:>8} {:>10} {:>10} "
                     "{:>10} {:>10} {:>5} {:<9}  {}\n",
                     "worker", "pid", "state", "busy", "dispatched", "uptime",
                     "PSS", "USS", "RSS", "growth/h", "CPU", "snapshots",
                     "python");
  for (const auto& w : p.workers)
    out += fmt::format(
      "  {:<18} {:>7} {:<8} {:>5} {:>10} {:>8} {:>10} {:>10} {:>10} {:>10} "
      "{:>5.2f} {:<9}  {}\n",
      w.id, w.info.pid, state_of(w), fmt::format("{}/{}", w.busy, w.info.slots),
      dispatched(w),
      format_uptime(w.uptime_seconds),
      format_mib(static_cast<double>(w.memory.pss_bytes)),
      format_mib(static_cast<double>(w.memory.uss_bytes)),
      format_mib(static_cast<double>(w.memory.rss_bytes)),
      (w.memory_growth_bytes_per_hour >= 0 ? "+" : "")
        + format_mib(w.memory_growth_bytes_per_hour),
      w.cpu_cores, w.info.session_snapshots ? "yes" : "no", python_of(w));
}

void render_recommendations(std::string& out, const nlohmann::json& recs) {
  out += "  recommendations:\n";
  for (const auto& r : recs) {
    out += fmt::format("  [{}] {}: {}\n", r.value("severity", ""),
                       r.value("rule", ""), r.value("summary", ""));
    std::string evidence;
    for (const auto& e : r.value("evidence", nlohmann::json::array()))
      evidence += fmt::format("{}{} {}", evidence.empty() ? "" : ", ",
                              e.value("name", ""), e.value("value", ""));
    if (!evidence.empty())
      out += "      evidence: " + evidence + "\n";
    out += "      action: " + r.value("action", "") + "\n";
  }
}

} // namespace

std::string format_mib(double bytes) {
  return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0));
}

std::string format_uptime(double seconds) {
  auto s = static_cast<long>(seconds);
  if (s >= 3600)
    return fmt::format("{}h {:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60)
    return fmt::format("{}m {:02}s", s / 60, s % 60);
  return fmt::format("{:.1f}s", seconds);
}

std::string render_pool(const pool_snapshot& p,
                        const nlohmann::json& recommendations) {
  std::string out = fmt::format(
    "pool {}: {} profile, {}/{} workers ready{}, adapter {}, up {}\n", p.name,
    p.profile, p.ready, p.size,
    p.starting > 0 ? fmt::format(" ({} starting)", p.starting) : "",
    p.adapter, format_uptime(p.uptime_seconds));
  if (p.failed.code != error_code::none)
    out += "  FAILED: " + p.failed.message + "\n";
  out += fmt::format("  slots     {} total ({} per worker), {} busy, {} free\n",
                     p.total_slots, p.threads_per_worker, p.busy_slots,
                     p.free_slots);
  out += fmt::format("  load      utilization now {}, mean {}, peak {} ({} "
                     "samples over {:.0f} s)\n",
                     percent(p.utilization), percent(p.utilization_mean),
                     percent(p.utilization_peak), p.window_samples,
                     p.window_seconds);
  out += fmt::format("  queue     {} waiting of {}; {} requests dispatched, "
                     "{} answered, {} refused (queue full)\n",
                     p.queue_depth, p.queue_size, p.requests_dispatched,
                     p.requests_answered, p.saturated);
  out += fmt::format("  sessions  {} held, {} lost\n", p.sessions,
                     p.sessions_lost);
  out += "  errors    " + counts(p.errors) + "\n";
  out += "  recycles  " + counts(p.recycles) + overshoot(p) + "\n";
  if (p.spare_workers > 0)
    out += spares(p);
  out += fmt::format("  health    {} missed checks\n", p.health_check_failures);
  out += "  limits    " + limits(p) + "\n";
  if (!p.workers.empty())
    render_workers(out, p);
  if (recommendations.is_array() && !recommendations.empty())
    render_recommendations(out, recommendations);
  else if (recommendations.is_array())
    out += "  recommendations: none\n";
  return out;
}

} // namespace snakepit::cli
