#pragma once

/// JSON of a pool snapshot, as `snakepit inspect --format json` prints
/// it (keys documented in docs/operations.md): the fields of
/// <snakepit/snapshots.hpp> under their own names, but a worker's `info`
/// flattened (`pid`, `slots`, `python_version`, ...), its `state` in words
/// instead of `draining` ("spare" for the spares), the pool's failure as its message (`failure`,
/// empty while it serves) and the internal `key` left out. Both directions,
/// so the CLI can render what a host sent. Recommendations go one way (host
/// to CLI).

#include <nlohmann/json.hpp>

#include <snakepit/snapshots.hpp>

#include "core/recommendations.hpp"

namespace snakepit {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(memory_figures, pss_bytes, uss_bytes,
                                   rss_bytes)

/// A worker snapshot as JSON.
inline void to_json(nlohmann::json& j, const worker_snapshot& w) {
  j = nlohmann::json{
    {"id", w.id},
    {"pid", w.info.pid},
    {"state", state_of(w)},
    {"slots", w.info.slots},
    {"busy", w.busy},
    {"requests_dispatched", w.requests_dispatched},
    {"request_limit", w.request_limit},
    {"uptime_seconds", w.uptime_seconds},
    {"memory", w.memory},
    {"memory_baseline_bytes", w.memory_baseline_bytes},
    {"memory_growth_bytes_per_hour", w.memory_growth_bytes_per_hour},
    {"cpu_cores", w.cpu_cores},
    {"python_version", w.info.python_version},
    {"implementation", w.info.implementation},
    {"free_threaded_build", w.info.free_threaded_build},
    {"gil_enabled", w.info.gil_enabled},
    {"session_snapshots", w.info.session_snapshots}};
}

/// A worker snapshot from JSON (what `to_json` wrote).
inline void from_json(const nlohmann::json& j, worker_snapshot& w) {
  j.at("id").get_to(w.id);
  j.at("pid").get_to(w.info.pid);
  w.draining = j.at("state").get<std::string>() == "draining";
  j.at("slots").get_to(w.info.slots);
  j.at("busy").get_to(w.busy);
  j.at("requests_dispatched").get_to(w.requests_dispatched);
  j.at("request_limit").get_to(w.request_limit);
  j.at("uptime_seconds").get_to(w.uptime_seconds);
  j.at("memory").get_to(w.memory);
  j.at("memory_baseline_bytes").get_to(w.memory_baseline_bytes);
  j.at("memory_growth_bytes_per_hour").get_to(w.memory_growth_bytes_per_hour);
  j.at("cpu_cores").get_to(w.cpu_cores);
  j.at("python_version").get_to(w.info.python_version);
  j.at("implementation").get_to(w.info.implementation);
  j.at("free_threaded_build").get_to(w.info.free_threaded_build);
  j.at("gil_enabled").get_to(w.info.gil_enabled);
  j.at("session_snapshots").get_to(w.info.session_snapshots);
}

/// Calls `f(key, field)` for each pool field written under its own name.
template <class Snapshot, class F>
void for_each_pool_field(Snapshot& p, F&& f) {
  f("name", p.name);
  f("profile", p.profile);
  f("adapter", p.adapter);
  f("size", p.size);
  f("ready", p.ready);
  f("starting", p.starting);
  f("threads_per_worker", p.threads_per_worker);
  f("total_slots", p.total_slots);
  f("busy_slots", p.busy_slots);
  f("free_slots", p.free_slots);
  f("utilization", p.utilization);
  f("utilization_mean", p.utilization_mean);
  f("utilization_peak", p.utilization_peak);
  f("window_samples", p.window_samples);
  f("window_seconds", p.window_seconds);
  f("queue_depth", p.queue_depth);
  f("queue_size", p.queue_size);
  f("queue_timeout_ms", p.queue_timeout_ms);
  f("request_timeout_ms", p.request_timeout_ms);
  f("requests_dispatched", p.requests_dispatched);
  f("requests_answered", p.requests_answered);
  f("saturated", p.saturated);
  f("errors", p.errors);
  f("recycles", p.recycles);
  f("health_check_failures", p.health_check_failures);
  f("memory_threshold_mb", p.memory_threshold_mb);
  f("worker_max_requests", p.worker_max_requests);
  f("overshoot_max", p.overshoot_max);
  f("overshoot_total", p.overshoot_total);
  f("spare_workers", p.spare_workers);
  f("uptime_seconds", p.uptime_seconds);
  f("stopping", p.stopping);
  f("sessions", p.sessions);
  f("sessions_lost", p.sessions_lost);
  f("workers", p.workers);
  f("spares", p.spares);
}

/// A pool snapshot as JSON.
inline void to_json(nlohmann::json& j, const pool_snapshot& p) {
  j = nlohmann::json::object();
  for_each_pool_field(p, [&](const char* key, const auto& x) { j[key] = x; });
  for (auto& spare : j["spares"])
    spare["state"] = "spare";
  j["failure"] = p.failed.message;
}

/// A pool snapshot from JSON (what `to_json` wrote); a non-empty `failure`
/// becomes a `pool_failed` failure.
inline void from_json(const nlohmann::json& j, pool_snapshot& p) {
  for_each_pool_field(p,
                      [&](const char* key, auto& x) { j.at(key).get_to(x); });
  j.at("failure").get_to(p.failed.message);
  if (!p.failed.message.empty())
    p.failed.code = error_code::pool_failed;
}

/// A recommendation as JSON: `rule`, `severity` ("info", "warning",
/// "critical"), `summary`, `evidence` (an array of {"name", "value"} in the
/// rule's order) and `action`.
inline void to_json(nlohmann::json& j, const recommendation& r) {
  auto evidence = nlohmann::json::array();
  for (const auto& [name, value] : r.evidence)
    evidence.push_back({{"name", name}, {"value", value}});
  j = nlohmann::json{{"rule", r.rule},
                     {"severity", to_string(r.level)},
                     {"summary", r.summary},
                     {"evidence", std::move(evidence)},
                     {"action", r.action}};
}

} // namespace snakepit
