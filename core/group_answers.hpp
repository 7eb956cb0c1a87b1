#pragma once

/// How a pool group (cluster/pool_group.cpp) answers a request it sends to
/// every member (a recycle of every worker, a restart, closing a session):
/// it fails only when every member failed, with the first member's
/// failure; else it combines the answers of the members that answered.
/// Plain logic without actors.

#include <optional>
#include <vector>

#include <snakepit/failure.hpp>
#include <snakepit/requests.hpp>
#include <snakepit/result.hpp>

namespace snakepit {

/// The workers every member scheduled for replacement.
result<recycle_ack>
combine_recycles(const std::vector<result<recycle_ack>>& answers);

/// Restarted when any member restarted; the previous failures of those
/// that did, separated by "; ".
result<restart_ack>
combine_restarts(const std::vector<result<restart_ack>>& answers);

/// True when any member knew the session.
result<bool> combine_closes(const std::vector<result<bool>>& answers);

} // namespace snakepit
