// snakepit_bench's streams section: the host, the paths, the alternating
// rounds (bench/streams_table.cpp prints and records them).

#include "bench/streams.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include <snakepit/snakepit.hpp>

#include "bench/pool_paths.hpp"
#include "bench/stats.hpp"
#include "bench/stream_paths.hpp"
#include "bench/streams_table.hpp"

namespace snakepit::bench {

namespace {

const char* pool_name = "streams";
const char* window_1_pool_name = "streams_w1";
constexpr int kib = 1024;

/// A host tool actor answering its arguments, like the function `echo`.
host_tool_actor::behavior_type echo_tool() {
  return {
    [](host_call_atom, const host_call& call) -> host_tool_reply {
      return host_tool_output::json(call.args_json);
    },
  };
}

/// Offers `echo` (a function) and `echo_actor` (`actor`): both answer
/// their arguments, the trivial host tool.
void offer_echo_tools(host_tool_registry& tools, host_tool_actor actor) {
  tools.add("echo", "answers its arguments",
            [](const host_call& call) -> host_tool_reply {
              return host_tool_output::json(call.args_json);
            });
  tools.add("echo_actor", "answers its arguments, from an actor",
            std::move(actor));
}

execute_request request_of(const std::string& pool, const std::string& tool,
                           const nlohmann::json& args) {
  execute_request req;
  req.pool = pool;
  req.command = tool;
  req.args_json = args.dump();
  return req;
}

round_figures figures_of(samples s) {
  auto failures = s.failures;
  auto calls = static_cast<double>(s.latencies_ns.size());
  auto summary = summarize(std::move(s));
  round_figures out;
  out.chunks_per_s = summary.calls_per_s;
  out.mean_us = summary.mean_us;
  out.p50_us = summary.p50_us;
  out.p99_us = summary.p99_us;
  out.units = calls;
  if (failures > 0)
    out.error = fmt::format("{} pings failed", failures);
  return out;
}

round_figures figures_of(const host_loop_figures& h, int calls) {
  round_figures out;
  out.units = calls;
  out.p50_us = h.host_us;
  out.local_us = h.local_us;
  out.error = h.error;
  return out;
}

/// The callers a section's paths share, alive while they run.
struct callers {
  client& c;
  stream_consumer consumer;
  stream_consumer window_1_consumer;
  actor_caller pinger;
};

/// The transfer paths of one chunk size: three stream readers, two
/// one-shot ways.
void add_transfer_paths(std::vector<stream_path>& paths, callers& by,
                        stream_group group, int size, int chunks,
                        uint32_t batch) {
  auto n = static_cast<uint64_t>(chunks);
  auto tag = group == stream_group::kib_1 ? "1k" : "64k";
  auto stream = request_of(pool_name, "count_bytes",
                           {{"n", chunks}, {"size", size}});
  auto one = request_of(pool_name, "blob", {{"size", size}});
  auto all = request_of(pool_name, "blob",
                        {{"size", static_cast<int64_t>(size) * chunks}});
  auto add = [&](std::string name, std::string key,
                 std::function<round_figures()> run) {
    paths.push_back({group, std::move(name), fmt::format("{}_{}", key, tag),
                     std::move(run), {}});
  };
  add("stream, blocking reader", "stream_blocking", [&by, stream, n] {
    return figures_of(run_stream_blocking(by.c, stream), n);
  });
  add("stream, actor acking each chunk", "stream_actor_each",
      [&by, stream, n] { return figures_of(by.consumer.run(stream, 1), n); });
  add(fmt::format("stream, actor acking every {} chunks", batch),
      "stream_actor_batch", [&by, stream, n, batch] {
        return figures_of(by.consumer.run(stream, batch), n);
      });
  add(fmt::format("one-shot, {} calls of one chunk", chunks), "calls_each",
      [&by, one, chunks, n] {
        return figures_of(run_calls_blocking(by.c, one, chunks), n);
      });
  add(fmt::format("one-shot, one call of {} chunks' bytes", chunks),
      "call_all", [&by, all, n] {
        auto r = figures_of(run_calls_blocking(by.c, all, 1), 1);
        r.chunks_per_s *= static_cast<double>(n); // in chunks' worth
        r.mean_us /= static_cast<double>(n);
        r.units = static_cast<double>(n);
        return r;
      });
}

std::vector<stream_path> make_paths(callers& by, const streams_options& opts,
                                    uint32_t batch) {
  std::vector<stream_path> paths;
  add_transfer_paths(paths, by, stream_group::kib_1, kib, opts.chunks_1k,
                     batch);
  add_transfer_paths(paths, by, stream_group::kib_64, 64 * kib,
                     opts.chunks_64k, batch);
  auto n = static_cast<uint64_t>(opts.latency_chunks);
  auto w1 = request_of(window_1_pool_name, "count_bytes",
                       {{"n", opts.latency_chunks}, {"size", kib}});
  auto add = [&](stream_group g, const char* name, const char* key,
                 std::function<round_figures()> run) {
    paths.push_back({g, name, key, std::move(run), {}});
  };
  add(stream_group::latency, "window 1, blocking reader: chunk gap",
      "gap_w1_blocking",
      [&by, w1, n] { return figures_of(run_stream_blocking(by.c, w1), n); });
  add(stream_group::latency, "window 1, actor acking each: chunk gap",
      "gap_w1_actor", [&by, w1, n] {
        return figures_of(by.window_1_consumer.run(w1, 1), n);
      });
  add(stream_group::latency, "ping, blocking client", "ping_blocking",
      [&by, calls = opts.latency_chunks] {
        return figures_of(run_pool_blocking(by.c, pool_name, calls));
      });
  add(stream_group::latency, "ping, event-based actor caller", "ping_actor",
      [&by, calls = opts.latency_chunks] {
        return figures_of(by.pinger.run(calls));
      });
  for (auto [name, key, tool] :
       {std::tuple{"host function tool, Python loop", "host_function",
                   "echo"},
        std::tuple{"host actor tool, Python loop", "host_actor",
                   "echo_actor"}})
    add(stream_group::host, name, key, [&by, tool = tool, &opts] {
      return figures_of(
        run_host_loop(by.c, pool_name, tool, opts.host_calls),
        opts.host_calls);
    });
  return paths;
}

/// Runs every path once (not recorded), then the alternating rounds;
/// false if any round failed.
bool measure(std::vector<stream_path>& paths, int rounds) {
  bool ok = true;
  for (auto& p : paths)
    if (auto warm = p.run(); !warm.error.empty()) {
      std::cerr << p.name << " (warm-up): " << warm.error << '\n';
      ok = false;
    }
  for (int r = 0; r < rounds; ++r)
    for (size_t i = 0; i < paths.size(); ++i) {
      auto& p = paths[(i + r) % paths.size()];
      auto cpu_before = process_cpu_us();
      auto figures = p.run();
      if (figures.units > 0)
        figures.cpu_us = (process_cpu_us() - cpu_before) / figures.units;
      if (!figures.error.empty()) {
        std::cerr << p.name << ": " << figures.error << '\n';
        ok = false;
      }
      p.rounds.push_back(std::move(figures));
    }
  return ok;
}

} // namespace

bool run_streams(const streams_options& opts, const system_setup& setup,
                 json& out) {
  auto cfg = default_config();
  auto& pool = cfg.pools.front();
  pool.name = pool_name;
  pool.size = 1;
  pool.transport = worker_transport::native;
  cfg.pools.push_back(pool);
  cfg.pools.back().name = window_1_pool_name;
  cfg.pools.back().stream_window = 1;
  streams_setup used{opts, pool.stream_window,
                     static_cast<uint32_t>(std::max(1, pool.stream_window / 2))};
  auto env = bootstrap(cfg, setup);
  if (!env) {
    std::cerr << describe(env.error()) << '\n';
    return false;
  }
  auto& sys = (*env)->system();
  auto echo_actor = sys.spawn(echo_tool);
  offer_echo_tools((*env)->runtime()->host_tools(), echo_actor);
  auto root = spawn_host(sys, cfg, (*env)->runtime());
  bool ok = false;
  { // Scoped actors (inside the client, too) must be gone before the wait.
    client c{sys, root, pool_name};
    auto failed = await_pools(c, cfg);
    auto streams = lookup_pool(sys, root, pool_name);
    auto window_1 = lookup_pool(sys, root, window_1_pool_name);
    if (!failed.empty() || !streams || !window_1) {
      std::cerr << "the streams pools did not start:" << failed << '\n';
    } else {
      callers by{c, stream_consumer{sys, streams},
                 stream_consumer{sys, window_1},
                 actor_caller{sys, caf::actor_cast<caf::actor>(streams),
                              actor_caller::target_kind::pool_ping,
                              pool_name}};
      auto paths = make_paths(by, opts, used.batch);
      ok = measure(paths, opts.rounds);
      report_streams(paths, used, out);
    }
  }
  caf::anon_send_exit(echo_actor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  return ok; // `env` waits for the tree, then stops the runtime
}

} // namespace snakepit::bench
