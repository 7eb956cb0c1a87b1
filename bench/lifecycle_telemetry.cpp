// Comparison 2: telemetry off (A) vs on (B) on one pool, one host.
//
// A: nobody subscribed to telemetry in the whole process (checked each
// round), so every publish site costs one atomic load. B: a callback
// subscriber counting events plus the Prometheus endpoint (port 0), both
// attached just before the round and detached right after it, and one
// scrape of /metrics in the middle of the round, while the load runs
// (`--telemetry-b exporter` or `subscriber` attaches only one of the two,
// to tell their costs apart).
// Only telemetry differs between A and B: same host, same workers, same
// load. The request is `ping`, the lightest one, so that per-request
// overhead (building `request.executed` and `pool.capacity_reached`
// events, delivering them to two subscriber actors, the endpoint's
// aggregation under its mutex) is as large a share of the request as it
// can be.

#include <caf/all.hpp>
#include <fmt/format.h>

#include <atomic>
#include <future>
#include <iostream>
#include <thread>

#include <snakepit/snakepit.hpp>
#include <snakepit/telemetry/bus.hpp>

#include "bench/http_get.hpp"
#include "bench/lifecycle.hpp"
#include "telemetry/prometheus_endpoint.hpp"

namespace snakepit::bench {

namespace {

namespace tel = snakepit::telemetry;

const char* pool_name = "telemetry";

/// Events the counting subscriber saw in one round.
struct event_count {
  std::atomic<int64_t> all{0};
  std::atomic<int64_t> executed{0};
};

std::string subscribers() {
  return fmt::format("subscribers {}/{}",
                     tel::subscriber_count(tel::topic::events),
                     tel::subscriber_count(tel::topic::snapshots));
}

/// The value of `snakepit_requests_total{pool="telemetry",outcome="success"}`
/// in a scraped body, or -1.
double requests_total(const std::string& body) {
  auto key = fmt::format(
    "snakepit_requests_total{{pool=\"{}\",outcome=\"success\"}} ", pool_name);
  auto at = body.find(key);
  return at == std::string::npos ? -1
                                 : std::strtod(body.c_str() + at + key.size(),
                                               nullptr);
}

/// The note on a scrape: its size and the request counter, or the error.
std::string scrape_note(const http_response& scrape, bool& ok) {
  if (scrape.error.empty() && scrape.status == 200)
    return fmt::format("/metrics {} B, requests_total {:.0f} half-way",
                       scrape.body.size(), requests_total(scrape.body));
  ok = false;
  return fmt::format("/metrics FAILED: {}",
                     scrape.error.empty()
                       ? "HTTP " + std::to_string(scrape.status)
                       : scrape.error);
}

/// A round of B: attach what `opts.telemetry_b` names, measure (with a
/// scrape half-way when the endpoint runs), detach. Returns the round
/// note; `ok` is cleared when the exporter or the subscriber did not work.
std::string telemetry_round(host& h, ab_side& b, int round,
                            const lifecycle_options& opts, bool& ok) {
  bool with_subscriber = opts.telemetry_b != "exporter";
  bool with_exporter = opts.telemetry_b != "subscriber";
  auto count = std::make_shared<event_count>();
  tel::subscription sub;
  if (with_subscriber)
    sub = tel::subscribe(h.system(), [count](const tel::event& ev) {
      ++count->all;
      if (std::holds_alternative<tel::request_executed>(ev))
        ++count->executed;
    });
  tel::prometheus_start started;
  if (with_exporter) {
    tel::prometheus_options po;
    po.port = 0;
    started = tel::prometheus_endpoint::start(h.system(), po);
    if (!started) {
      ok = false;
      return "cannot start the Prometheus endpoint: " + started.error;
    }
  }
  auto attached = subscribers();
  auto load = std::async(std::launch::async, [&] {
    return measure_round(b, round, h.client(), pool_name, "ping", "{}", opts);
  });
  http_response scrape;
  if (with_exporter) {
    std::this_thread::sleep_for(
      std::chrono::duration<double>(opts.seconds / 2));
    scrape = http_get(started.endpoint->address(), started.endpoint->port(),
                      "/metrics");
  }
  auto r = load.get();
  bool synced = true;
  if (with_subscriber)
    synced = sync_subscriber(h.system(), sub.actor());
  // The exporter's sink applies each event inline: nothing to wait for.
  started.endpoint.reset();
  sub.cancel();
  auto requests = static_cast<int64_t>(r.calls.latencies_ns.size())
                  + r.calls.failures;
  auto note = attached;
  if (with_subscriber) {
    if (count->executed.load() == 0)
      ok = false;
    note += fmt::format("; events {} (request.executed {} for {} requests)",
                        count->all.load(), count->executed.load(), requests);
  }
  if (with_exporter)
    note += "; " + scrape_note(scrape, ok);
  if (!synced)
    note += "; subscriber sync timed out";
  return note;
}

} // namespace

bool run_telemetry(const lifecycle_options& opts, json& out) {
  std::cout << fmt::format(
    "\n## 2. Telemetry off (A) vs on (B: {}): {} callers, tool ping, one "
    "pool of {} process workers\n\n",
    opts.telemetry_b == "both" ? "counting subscriber + Prometheus endpoint"
                               : opts.telemetry_b + " only",
    opts.callers, opts.workers);
  if (tel::subscriber_count(tel::topic::events) > 0
      || tel::subscriber_count(tel::topic::snapshots) > 0) {
    std::cout << "ERROR: telemetry subscribers exist before the comparison ("
              << subscribers() << "): A could not run without them\n";
    return false;
  }
  auto h = start_host(base_config(pool_name, opts), "pool");
  if (!h || !warm_up(h->client(), pool_name, "ping", "{}", opts))
    return false;

  ab_side a{"A telemetry off", {}, {}};
  ab_side b{opts.telemetry_b == "both" ? "B telemetry on"
                                        : "B " + opts.telemetry_b + " only",
            {},
            {}};
  bool ok = true;
  std::cout << '\n';
  print_round_header();
  for (int r = 1; r <= opts.rounds; ++r) {
    auto before = subscribers();
    if (tel::subscriber_count(tel::topic::events) > 0)
      ok = false;
    measure_round(a, r, h->client(), pool_name, "ping", "{}", opts);
    print_round(a, before);
    auto note = telemetry_round(*h, b, r, opts, ok);
    print_round(b, note);
  }
  print_failures(a);
  print_failures(b);
  out = load_json(opts, "ping", "{}");
  out["b_attaches"] = opts.telemetry_b;
  out["ab"] = print_ab_summary(a, b, 0.98);
  std::cout << "(subscribers n/m: subscriptions to events/snapshots in the "
               "process during the round; B's are the counting callback and "
               "the endpoint's feeder)\n";
  if (!ok)
    std::cout << "ERROR: the exporter or the subscriber did not work in "
                 "some round, or A had a subscriber (see the notes)\n";
  h->stop();
  return ok && a.summary.failures() == 0 && b.summary.failures() == 0;
}

} // namespace snakepit::bench
