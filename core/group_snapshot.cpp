#include "core/group_snapshot.hpp"

#include "core/group_balancer.hpp"

namespace snakepit {

namespace {

/// `into` = `from` when `into` is empty or the same, else "mixed".
void agree(std::string& into, const std::string& from) {
  if (into.empty())
    into = from;
  else if (into != from)
    into = "mixed";
}

void add_counts(std::map<std::string, int64_t>& into,
                const std::map<std::string, int64_t>& from) {
  for (const auto& [key, n] : from)
    into[key] += n;
}

void add_member(pool_snapshot& sum, const pool_snapshot& m) {
  agree(sum.profile, m.profile);
  agree(sum.adapter, m.adapter);
  sum.size += m.size;
  sum.ready += m.ready;
  sum.starting += m.starting;
  sum.total_slots += m.total_slots;
  sum.busy_slots += m.busy_slots;
  sum.free_slots += m.free_slots;
  sum.queue_depth += m.queue_depth;
  sum.queue_size += m.queue_size;
  sum.requests_dispatched += m.requests_dispatched;
  sum.requests_answered += m.requests_answered;
  sum.saturated += m.saturated;
  add_counts(sum.errors, m.errors);
  add_counts(sum.recycles, m.recycles);
  sum.health_check_failures += m.health_check_failures;
  sum.spare_workers += m.spare_workers;
  sum.workers.insert(sum.workers.end(), m.workers.begin(), m.workers.end());
  sum.spares.insert(sum.spares.end(), m.spares.begin(), m.spares.end());
  sum.sessions += m.sessions;
  sum.sessions_lost += m.sessions_lost;
}

} // namespace

failure no_member_takes_requests(const std::string& group,
                                 const std::vector<pool_snapshot>& members) {
  bool all_node_down = !members.empty();
  std::string states;
  for (const auto& m : members) {
    all_node_down = all_node_down && m.failed.code == error_code::node_down;
    if (!states.empty())
      states += "; ";
    states += m.name + ": ";
    if (m.failed.code != error_code::none)
      states += to_string(m.failed.code) + " (" + m.failed.message + ")";
    else
      states += m.stopping ? "stopping" : "not reported yet";
  }
  return make_failure(all_node_down ? error_code::node_down
                                    : error_code::pool_failed,
                      "pool group " + group
                        + " has no member taking requests: " + states);
}

pool_snapshot aggregate_group(const std::string& group,
                              const std::vector<pool_snapshot>& members) {
  pool_snapshot sum;
  sum.name = group;
  bool any = false;
  for (const auto& m : members) {
    if (!takes_requests(m))
      continue;
    any = true;
    add_member(sum, m);
  }
  if (sum.total_slots > 0)
    sum.utilization = static_cast<double>(sum.busy_slots) / sum.total_slots;
  if (!any)
    sum.failed = no_member_takes_requests(group, members);
  return sum;
}

} // namespace snakepit
