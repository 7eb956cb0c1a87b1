#pragma once

/// Why a worker was replaced: a field of `snakepit.worker.recycled`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace snakepit {

/// Why a worker was (or is to be) replaced. Stable: the names (see
/// `to_string`) appear in logs and telemetry. The policy itself only
/// produces `manual`, `memory`, `max_requests` and `ttl`; the others are
/// for callers reporting replacements they decided elsewhere.
enum class recycle_reason : uint8_t {
  ttl,
  max_requests,
  memory,
  manual,
  crashed,
  unhealthy,
  timeout,
};

/// Stable lower-case name of `reason`, e.g. "max_requests".
std::string to_string(recycle_reason reason);

/// Inverse of `to_string(recycle_reason)`; nullopt for any other name.
std::optional<recycle_reason>
recycle_reason_from_string(std::string_view name);

} // namespace snakepit
