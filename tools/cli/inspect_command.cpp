#include <csignal>
#include <functional>
#include <iostream>
#include <thread>

#include "cli_support.hpp"
#include "commands.hpp"
#include "inspect_node.hpp"
#include "inspect_render.hpp"
#include "live_host.hpp"
#include "host/inspection_json.hpp"

namespace snakepit::cli {

namespace {

volatile std::sig_atomic_t interrupted = 0;

/// One inspection of the host, printed; false when it failed.
bool inspect_once(const host_config& cfg, const inspect_options& opts) {
  nlohmann::json request{{"op", "inspect"},
                         {"recommendations", opts.recommendations}};
  if (!opts.pool.empty())
    request["pool"] = opts.pool;
  auto reply = call_live_host(cfg, live_host_options{opts.run_id}, request);
  if (!reply)
    return false;
  if (opts.format == "json") {
    std::cout << (*reply)["pools"].dump(2) << std::endl;
    return true;
  }
  for (const auto& entry : (*reply)["pools"]) {
    auto recs = opts.recommendations
                  ? entry.value("recommendations", nlohmann::json::array())
                  : nlohmann::json{};
    std::cout << render_pool(entry.get<pool_snapshot>(), recs) << '\n';
  }
  std::cout.flush();
  return true;
}

} // namespace

int inspect_command(const common_options& opts, const inspect_options& i) {
  auto cfg = prepare(opts.config_path, opts.log_level);
  if (!cfg)
    return 2;
  std::function<bool()> once = [&] { return inspect_once(*cfg, i); };
  std::unique_ptr<node_inspector> node;
  if (!i.node.empty()) {
    if (i.recommendations || !i.run_id.empty()) {
      std::cerr << "snakepit inspect: --node reads another host's pools; "
                   "--recommendations and --run are for local hosts\n";
      return 2;
    }
    node = node_inspector::connect(*cfg, i.node);
    if (!node)
      return 1;
    once = [&] { return node->print(i); };
  }
  if (!i.watch)
    return once() ? 0 : 1;
  std::signal(SIGINT, [](int) { interrupted = 1; });
  while (interrupted == 0) {
    if (i.format == "text")
      std::cout << "\033[H\033[2J"; // clear the terminal
    if (!once())
      return 1;
    for (int tenth = 0; tenth < i.interval_seconds * 10 && interrupted == 0;
         ++tenth)
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  return 0;
}

} // namespace snakepit::cli
