// snakepit_cluster_bench: pools across hosts (docs/distribution.md), in one
// process and one run, side by side:
//   - latency of sequential calls to a local pool, to a remote pool over
//     CAF's plain protocol on loopback, and to a remote pool over mutual
//     TLS (two TLS fronts and two loopback hops more), with the ratios;
//   - throughput of a pool group of a local and a remote pool against the
//     local pool alone, on a sleep-bound tool: capacity adds up.
// Three hosts: "plain" and "tls" serve a pool each, "caller" reaches both.
// Certificates come from scripts/cluster-certs.sh.

#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <snakepit/snakepit.hpp>

#include "bench/cli_options.hpp"
#include "bench/stats.hpp"

using namespace snakepit;
using namespace snakepit::bench;
using namespace std::chrono_literals;

namespace {

struct options {
  int calls = 300;
  int rounds = 5;
  int callers = 8;
  int sleep_ms = 20;
  double seconds = 3;
  std::string log_level = "warn";
};

/// Runs a shell command; exits the bench when it fails.
void must(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    std::cerr << "failed: " << command << '\n';
    std::exit(1);
  }
}

/// A private directory for the run directories and certificates.
std::string make_work_dir() {
  char name[] = "/tmp/snakepit-cluster-bench-XXXXXX";
  if (::mkdtemp(name) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  return name;
}

cluster_tls_config member_tls(const std::string& dir,
                              const std::string& member) {
  cluster_tls_config tls;
  tls.certificate = dir + "/" + member + ".pem";
  tls.key = dir + "/" + member + ".key";
  tls.ca = dir + "/ca.pem";
  return tls;
}

/// A host serving one pool "default" of 2 workers on a free loopback port.
std::unique_ptr<host> start_server(const std::string& dir,
                                   const std::string& name,
                                   std::optional<cluster_tls_config> tls) {
  host_config cfg;
  cfg.run_dir = dir + "/" + name;
  cfg.cluster.listen = "127.0.0.1:0";
  cfg.cluster.tls = std::move(tls);
  cfg.pools.emplace_back();
  auto started = host::start(cfg);
  if (!started) {
    std::cerr << name << ": " << started.error().message << '\n';
    std::exit(1);
  }
  return std::move(*started);
}

remote_pool_config remote(const std::string& name, uint16_t port, bool tls) {
  remote_pool_config r;
  r.name = name;
  r.node = "127.0.0.1:" + std::to_string(port);
  r.tls = tls;
  return r;
}

/// One round of `n` sequential calls of `ping` to `pool`.
samples latency_round(client& c, const std::string& pool, int n) {
  samples s;
  auto round_start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = c.execute(pool, "ping", "{}");
    s.latencies_ns.push_back(ns_since(start));
    if (!r)
      ++s.failures;
  }
  s.wall = std::chrono::steady_clock::now() - round_start;
  return s;
}

/// Calls per second of `callers` threads calling `sleep` on `pool` for
/// `seconds`; failures counted apart.
std::pair<double, int64_t> throughput(client& c, const std::string& pool,
                                      const options& o) {
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failed{0};
  std::atomic<bool> stop{false};
  auto args = R"({"ms": )" + std::to_string(o.sleep_ms) + "}";
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < o.callers; ++i)
    threads.emplace_back([&] {
      while (!stop) {
        auto r = c.execute(pool, "sleep", args);
        ++(r ? done : failed);
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& t : threads)
    t.join();
  std::chrono::duration<double> took = std::chrono::steady_clock::now()
                                       - start;
  return {static_cast<double>(done) / took.count(), failed.load()};
}

} // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"Remote pools against local ones: latency (plain and mutual "
               "TLS) and a pool group's throughput"};
  app.add_option("--calls", o.calls, "Sequential calls per path and round")
    ->capture_default_str();
  app.add_option("--rounds", o.rounds, "Rounds; paths alternate in each")
    ->capture_default_str();
  app.add_option("--callers", o.callers, "Concurrent callers (throughput)")
    ->capture_default_str();
  app.add_option("--sleep-ms", o.sleep_ms, "The tool's sleep (throughput)")
    ->capture_default_str();
  app.add_option("--seconds", o.seconds, "Length of a throughput run")
    ->capture_default_str();
  add_log_level_option(app, o.log_level);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(o.log_level));

  auto dir = make_work_dir();
  const std::string certs = SNAKEPIT_SOURCE_DIR "/scripts/cluster-certs.sh";
  must(certs + " ca " + dir + " ca >/dev/null 2>&1");
  for (auto member : {"server", "caller"})
    must(certs + " member " + dir + " " + member
         + " ca DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1");

  auto plain = start_server(dir, "plain", std::nullopt);
  auto tls = start_server(dir, "tls", member_tls(dir, "server"));
  host_config cfg;
  cfg.run_dir = dir + "/caller";
  cfg.cluster.tls = member_tls(dir, "caller");
  cfg.pools.emplace_back();
  cfg.pools.back().name = "local";
  cfg.remote_pools.push_back(remote("remote", plain->cluster_port(), false));
  cfg.remote_pools.push_back(remote("remote_tls", tls->cluster_port(), true));
  pool_group_config group;
  group.name = "group";
  group.members = {"local", "remote"};
  cfg.pool_groups.push_back(group);
  auto started = host::start(cfg);
  if (!started) {
    std::cerr << "caller: " << started.error().message << '\n';
    return 1;
  }
  auto& caller = **started;
  plain->await_ready();
  tls->await_ready();
  for (const auto& s : caller.await_ready())
    if (s.failed.code != error_code::none) {
      std::cerr << s.name << ": " << s.failed.message << '\n';
      return 1;
    }
  auto& c = caller.client();

  const std::vector<std::string> paths{"local", "remote", "remote_tls"};
  std::vector<path_summary> results;
  for (const auto& p : paths) {
    results.push_back(path_summary{p, {}});
    latency_round(c, p, 50); // warm-up
  }
  for (int round = 0; round < o.rounds; ++round)
    for (size_t i = 0; i < paths.size(); ++i)
      results[i].rounds.push_back(
        summarize(latency_round(c, paths[i], o.calls)));

  std::printf("Sequential calls of ping, %d rounds of %d calls each, "
              "medians over rounds:\n",
              o.rounds, o.calls);
  std::printf("%-12s %10s %10s %10s %10s %9s\n", "path", "p50 us", "p99 us",
              "min p50", "max p50", "x local");
  auto local_p50 = results[0].median_p50();
  for (const auto& r : results)
    std::printf("%-12s %10.1f %10.1f %10.1f %10.1f %8.2fx%s\n",
                r.name.c_str(), r.median_p50(), r.median_p99(), r.min_p50(),
                r.max_p50(), r.median_p50() / local_p50,
                r.failures() > 0 ? "  (failures!)" : "");

  std::printf("\nThroughput of %d callers of sleep(%d ms) for %.1f s "
              "(2 workers per pool):\n",
              o.callers, o.sleep_ms, o.seconds);
  auto alone = throughput(c, "local", o);
  auto both = throughput(c, "group", o);
  std::printf("%-28s %10.1f calls/s  (%lld failed)\n", "local pool alone",
              alone.first, static_cast<long long>(alone.second));
  std::printf("%-28s %10.1f calls/s  (%lld failed)  %.2fx\n",
              "group: local + remote", both.first,
              static_cast<long long>(both.second), both.first / alone.first);
  caller.stop();
  tls->stop();
  plain->stop();
  must("rm -rf " + dir);
  return 0;
}
