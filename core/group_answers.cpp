#include "core/group_answers.hpp"

#include <algorithm>

namespace snakepit {

namespace {

/// The first member's failure when every member failed (at least one).
template <class T>
std::optional<failure> all_failed(const std::vector<result<T>>& answers) {
  for (const auto& r : answers)
    if (r)
      return std::nullopt;
  return answers.front().error();
}

} // namespace

result<recycle_ack>
combine_recycles(const std::vector<result<recycle_ack>>& answers) {
  if (auto f = all_failed(answers))
    return *f;
  recycle_ack all;
  for (const auto& r : answers)
    if (r)
      all.workers.insert(all.workers.end(), r->workers.begin(),
                         r->workers.end());
  return all;
}

result<restart_ack>
combine_restarts(const std::vector<result<restart_ack>>& answers) {
  if (auto f = all_failed(answers))
    return *f;
  restart_ack all;
  for (const auto& r : answers) {
    if (!r || !r->restarted)
      continue;
    all.restarted = true;
    if (!all.previous_failure.empty())
      all.previous_failure += "; ";
    all.previous_failure += r->previous_failure;
  }
  return all;
}

result<bool> combine_closes(const std::vector<result<bool>>& answers) {
  if (auto f = all_failed(answers))
    return *f;
  return std::any_of(answers.begin(), answers.end(),
                     [](const result<bool>& r) { return r && *r; });
}

} // namespace snakepit
