// Host tools: a Python tool calls C++ functions of its host.
//
// The host offers `price_of`, a C++ function that looks a SKU up in a
// price list, before its pool starts. The pool runs PricingAdapter
// (examples/adapters/pricing.py), whose tool `quote` calls
// `context.call_host("price_of", sku=...)` for each line of an order. The
// call goes back over the worker's own connection; the function runs on a
// thread of its own, so it may block (a database lookup) without holding
// the host's actors. A SKU without a price comes back to Python as a
// HostToolError. Exits 0 only when the quote is right (docs/architecture.md,
// "Host tools").
//
// Run: build/bin/example_host_tools

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
#include <string>

#include <snakepit/snakepit.hpp>

int main() {
  spdlog::set_level(spdlog::level::warn);
  const std::map<std::string, int> prices{{"apple", 40}, {"pear", 55}};

  auto cfg = snakepit::default_config();
  auto& pool = cfg.pools.at(0);
  pool.size = 1;
  pool.adapter = "pricing.PricingAdapter";
  pool.env["PYTHONPATH"] = SNAKEPIT_EXAMPLE_ADAPTERS;

  // 1. The host tool: a plain function from a call to a reply.
  snakepit::host_options opts;
  opts.serving = false;
  opts.offer_tools = [&prices](caf::actor_system&,
                               snakepit::host_tool_registry& tools) {
    tools.add("price_of", "the price of a SKU, in cents",
              [&prices](const snakepit::host_call& call)
                -> snakepit::host_tool_reply {
                // The arguments are checked JSON: safe to parse.
                auto sku = nlohmann::json::parse(call.args_json)
                             .at("sku").get<std::string>();
                auto i = prices.find(sku);
                if (i == prices.end())
                  return snakepit::make_failure(
                    snakepit::error_code::invalid_arguments,
                    "no price for " + sku);
                return snakepit::host_tool_output::json(
                  std::to_string(i->second));
              });
  };
  auto host = snakepit::host::start(cfg, opts);
  if (!host) {
    std::cerr << snakepit::describe(host.error()) << '\n';
    return 1;
  }
  (*host)->await_ready();

  // 2. A Python tool that calls it.
  auto reply = (*host)->client().execute(
    "default", "quote", R"({"items": {"apple": 3, "pear": 2, "kiwi": 1}})");
  if (!reply) {
    std::cerr << snakepit::describe(reply) << '\n';
    return 1;
  }
  auto quote = nlohmann::json::parse(reply->result_json);
  std::cout << "quote: " << quote.dump() << '\n';
  bool right = quote.at("total") == 3 * 40 + 2 * 55
               && quote.at("unpriced") == nlohmann::json{"kiwi (invalid_arguments)"}
               && quote.at("host_tools") == nlohmann::json{"price_of"};
  std::cout << (right ? "quote right" : "quote WRONG") << '\n';
  return right ? 0 : 1;
}
