#include "host/admin_service.hpp"

#include <algorithm>

#include "host/inspection_json.hpp"

namespace snakepit {

namespace {

/// The string field `key` of `request`, or "" when absent; throws when it
/// is there but not a string.
std::string string_field(const nlohmann::json& request, const char* key) {
  auto i = request.find(key);
  if (i == request.end())
    return {};
  if (!i->is_string())
    throw std::invalid_argument(std::string{"\""} + key
                                + "\" must be a string");
  return i->get<std::string>();
}

nlohmann::json inspect_op(client& c, const std::vector<std::string>& pools,
                          const nlohmann::json& request) {
  auto only = string_field(request, "pool");
  auto advice = request.value("recommendations", false);
  if (!only.empty()
      && std::find(pools.begin(), pools.end(), only) == pools.end())
    return admin::error_reply("no pool named '" + only + "'");
  auto out = nlohmann::json::array();
  for (const auto& name : pools) {
    if (!only.empty() && name != only)
      continue;
    auto result = c.inspect(name);
    if (!result)
      return admin::error_reply(result.error().message);
    const auto& inspection = *result;
    nlohmann::json entry = inspection;
    if (advice)
      entry["recommendations"] = recommend(inspection);
    out.push_back(std::move(entry));
  }
  return admin::ok_reply({{"pools", std::move(out)}});
}

nlohmann::json recycle_op(client& c, const nlohmann::json& request) {
  auto pool = string_field(request, "pool");
  if (pool.empty())
    return admin::error_reply("recycle needs \"pool\"");
  auto result = c.recycle(pool, string_field(request, "worker"));
  if (!result)
    return admin::error_reply(result.error().message);
  return admin::ok_reply(
    {{"pool", pool}, {"workers", result->workers}});
}

nlohmann::json restart_op(client& c, const nlohmann::json& request) {
  auto pool = string_field(request, "pool");
  if (pool.empty())
    return admin::error_reply("restart needs \"pool\"");
  auto result = c.restart(pool);
  if (!result)
    return admin::error_reply(result.error().message);
  const auto& ack = *result;
  return admin::ok_reply({{"pool", pool},
                          {"restarted", ack.restarted},
                          {"previous_failure", ack.previous_failure}});
}

} // namespace

admin::request_handler make_admin_handler(client& c,
                                          std::vector<std::string> pools) {
  return [&c, pools = std::move(pools)](const nlohmann::json& request) {
    auto op = request.at("op").get<std::string>();
    if (op == "recycle")
      return recycle_op(c, request);
    if (op == "restart")
      return restart_op(c, request);
    if (op == "inspect")
      return inspect_op(c, pools, request);
    return admin::error_reply("unknown op \"" + op
                              + "\" (known: inspect, recycle, restart)");
  };
}

} // namespace snakepit
