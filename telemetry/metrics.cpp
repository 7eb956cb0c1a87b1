#include "telemetry/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <initializer_list>

namespace snakepit::telemetry {

namespace {

using label = std::pair<const char*, std::string_view>;

void family(std::string& out, const char* name, const char* type,
            const char* help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name,
                 help, name, type);
}

void sample(std::string& out, std::string_view name,
            std::initializer_list<label> labels, std::string_view value) {
  out += name;
  if (labels.size() > 0) {
    char sep = '{';
    for (const auto& [key, text] : labels) {
      out += sep;
      out += key;
      out += "=\"";
      out += escape_label_value(text);
      out += '"';
      sep = ',';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

void sample(std::string& out, std::string_view name,
            std::initializer_list<label> labels, uint64_t value) {
  sample(out, name, labels, std::to_string(value));
}

std::string outcome_of(const request_executed& ev) {
  if (ev.success)
    return "success";
  return ev.error.empty() ? "failure" : ev.error;
}

} // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_sample_value(double value) {
  if (std::isnan(value))
    return "NaN";
  if (std::isinf(value))
    return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

std::vector<double> metrics::default_duration_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10, 30};
}

metrics::metrics(std::vector<double> buckets) : bounds_(std::move(buckets)) {
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
}

void metrics::apply(const event& ev) {
  std::visit([this](const auto& x) { count(x); }, ev);
}

void metrics::count(const worker_recycled& ev) {
  ++recycles_[{ev.pool, to_string(ev.reason)}];
  // The worker is gone; the next snapshot would drop it too.
  auto i = pools_.find(ev.pool);
  if (i == pools_.end())
    return;
  auto& ws = i->second.workers;
  ws.erase(std::remove_if(ws.begin(), ws.end(),
                          [&](const worker_snapshot& w) {
                            return w.id == ev.worker;
                          }),
           ws.end());
}

void metrics::count(const worker_health_check_failed& ev) {
  ++health_failures_[ev.pool];
}

void metrics::count(const pool_failed& ev) {
  ++pool_failures_[ev.pool];
  pool_failed_[ev.pool] = 1;
}

void metrics::count(const pool_recovered& ev) {
  ++pool_recoveries_[{ev.pool, ev.trigger}];
  pool_failed_[ev.pool] = 0;
}

void metrics::count(const session_created& ev) {
  ++sessions_[ev.pool].created;
}

void metrics::count(const session_expired& ev) {
  ++sessions_[ev.pool].expired;
}

void metrics::count(const session_lost& ev) {
  ++sessions_[ev.pool].lost;
}

void metrics::count(const session_moved& ev) {
  ++sessions_[ev.pool].moved;
}

void metrics::count(const request_executed& ev) {
  auto outcome = outcome_of(ev);
  ++requests_[{ev.pool, outcome}];
  auto& h = durations_[{ev.pool, ev.command, outcome}];
  if (h.counts.empty())
    h.counts.resize(bounds_.size() + 1);
  auto seconds = std::chrono::duration<double>{ev.duration}.count();
  auto i = std::lower_bound(bounds_.begin(), bounds_.end(), seconds);
  ++h.counts[static_cast<std::size_t>(i - bounds_.begin())];
  ++h.count;
  h.sum += seconds;
}

void metrics::apply(const pool_snapshot& snap) {
  pools_[snap.name] = snap;
}

void metrics::forget_pool(const std::string& pool) {
  pools_.erase(pool);
  auto drop = [&](auto& map) {
    for (auto i = map.begin(); i != map.end();) {
      if (std::get<0>(i->first) == pool)
        i = map.erase(i);
      else
        ++i;
    }
  };
  drop(requests_);
  drop(durations_);
  drop(recycles_);
  drop(pool_recoveries_);
  health_failures_.erase(pool);
  pool_failures_.erase(pool);
  pool_failed_.erase(pool);
  sessions_.erase(pool);
}

void metrics::render_session_counts(std::string& out) const {
  struct counter {
    const char* name;
    const char* help;
    uint64_t session_counts::*field;
  };
  static constexpr counter counters[] = {
    {"snakepit_sessions_created_total", "Sessions opened by a request.",
     &session_counts::created},
    {"snakepit_sessions_expired_total",
     "Sessions closed after session_ttl without a request.",
     &session_counts::expired},
    {"snakepit_sessions_lost_total",
     "Sessions whose state went with their worker.", &session_counts::lost},
    {"snakepit_sessions_moved_total",
     "Sessions whose state a recycle moved to the replacement worker.",
     &session_counts::moved},
  };
  for (const auto& c : counters) {
    family(out, c.name, "counter", c.help);
    for (const auto& [pool, n] : sessions_)
      sample(out, c.name, {{"pool", pool}}, n.*c.field);
  }
}

std::string metrics::render() const {
  std::string out;
  out.reserve(4096);
  family(out, "snakepit_workers", "gauge",
         "Workers per pool by state: starting, idle, busy (any slot busy), "
         "spare (ready, out of routing; with spare_workers).");
  for (const auto& [pool, snap] : pools_) {
    uint64_t busy = 0;
    for (const auto& w : snap.workers)
      busy += w.busy > 0 ? 1 : 0;
    uint64_t starting = snap.starting > 0 ? snap.starting : 0;
    sample(out, "snakepit_workers", {{"pool", pool}, {"state", "starting"}},
           starting);
    sample(out, "snakepit_workers", {{"pool", pool}, {"state", "idle"}},
           snap.workers.size() - busy);
    sample(out, "snakepit_workers", {{"pool", pool}, {"state", "busy"}}, busy);
    if (snap.spare_workers > 0)
      sample(out, "snakepit_workers", {{"pool", pool}, {"state", "spare"}},
             snap.spares.size());
  }
  family(out, "snakepit_slots", "gauge",
         "Request slots of the ready workers of a pool.");
  for (const auto& [pool, snap] : pools_) {
    uint64_t slots = 0;
    for (const auto& w : snap.workers)
      slots += w.info.slots > 0 ? static_cast<uint64_t>(w.info.slots) : 0;
    sample(out, "snakepit_slots", {{"pool", pool}}, slots);
  }
  family(out, "snakepit_slots_busy", "gauge",
         "Request slots currently running a call.");
  for (const auto& [pool, snap] : pools_) {
    uint64_t busy = 0;
    for (const auto& w : snap.workers)
      busy += w.busy > 0 ? static_cast<uint64_t>(w.busy) : 0;
    sample(out, "snakepit_slots_busy", {{"pool", pool}}, busy);
  }
  family(out, "snakepit_queue_depth", "gauge",
         "Requests waiting in the pool's queue.");
  for (const auto& [pool, snap] : pools_)
    sample(out, "snakepit_queue_depth", {{"pool", pool}}, snap.queue_depth);
  family(out, "snakepit_sessions", "gauge",
         "Sessions of a pool by state: held (served by their worker or "
         "moving), lost (answering session_lost until closed or expired).");
  for (const auto& [pool, snap] : pools_) {
    sample(out, "snakepit_sessions", {{"pool", pool}, {"state", "held"}},
           snap.sessions);
    sample(out, "snakepit_sessions", {{"pool", pool}, {"state", "lost"}},
           snap.sessions_lost);
  }
  family(out, "snakepit_worker_memory_bytes", "gauge",
         "Resident memory of a worker's process.");
  for (const auto& [pool, snap] : pools_)
    for (const auto& w : snap.workers)
      if (w.memory.pss_bytes > 0)
        sample(out, "snakepit_worker_memory_bytes",
               {{"pool", pool}, {"worker", w.id}}, w.memory.pss_bytes);
  family(out, "snakepit_requests_total", "counter",
         "Requests answered, by outcome.");
  for (const auto& [key, n] : requests_)
    sample(out, "snakepit_requests_total",
           {{"pool", key.first}, {"outcome", key.second}}, n);
  family(out, "snakepit_request_duration_seconds", "histogram",
         "Time from a pool receiving a request to its reply, queue wait "
         "included.");
  for (const auto& [key, h] : durations_) {
    const auto& [pool, command, outcome] = key;
    uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
      cumulative += h.counts[i];
      auto le = i < bounds_.size()
                  ? format_sample_value(bounds_[i])
                  : format_sample_value(HUGE_VAL);
      sample(out, "snakepit_request_duration_seconds_bucket",
             {{"pool", pool},
              {"command", command},
              {"outcome", outcome},
              {"le", le}},
             cumulative);
    }
    sample(out, "snakepit_request_duration_seconds_sum",
           {{"pool", pool}, {"command", command}, {"outcome", outcome}},
           format_sample_value(h.sum));
    sample(out, "snakepit_request_duration_seconds_count",
           {{"pool", pool}, {"command", command}, {"outcome", outcome}},
           h.count);
  }
  family(out, "snakepit_worker_recycles_total", "counter",
         "Workers replaced, by reason.");
  for (const auto& [key, n] : recycles_)
    sample(out, "snakepit_worker_recycles_total",
           {{"pool", key.first}, {"reason", key.second}}, n);
  family(out, "snakepit_health_check_failures_total", "counter",
         "Health checks a worker missed.");
  for (const auto& [pool, n] : health_failures_)
    sample(out, "snakepit_health_check_failures_total", {{"pool", pool}}, n);
  family(out, "snakepit_pool_failures_total", "counter",
         "Times a pool failed (its workers could not be started).");
  for (const auto& [pool, n] : pool_failures_)
    sample(out, "snakepit_pool_failures_total", {{"pool", pool}}, n);
  family(out, "snakepit_pool_recoveries_total", "counter",
         "Times a failed pool came back, by trigger (probe, manual).");
  for (const auto& [key, n] : pool_recoveries_)
    sample(out, "snakepit_pool_recoveries_total",
           {{"pool", key.first}, {"trigger", key.second}}, n);
  family(out, "snakepit_pool_failed", "gauge",
         "1 while a pool is failed (answering pool_failed), else 0.");
  for (const auto& [pool, failed] : pool_failed_)
    sample(out, "snakepit_pool_failed", {{"pool", pool}}, failed);
  render_session_counts(out);
  return out;
}

} // namespace snakepit::telemetry
