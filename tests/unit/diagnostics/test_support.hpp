#pragma once

/// Shared helpers of the diagnostics unit tests: made-up demands and
/// looking figures up in a finding.

#include <catch2/catch.hpp>

#include <string>

#include "diagnostics/demand.hpp"
#include "diagnostics/finding.hpp"

namespace snakepit::diagnostics::test {

/// A pool of `size` workers of `profile` with `slots` slots.
inline pool_demand pool(std::string name, int size,
                        worker_profile profile = worker_profile::process,
                        int slots = 1) {
  pool_demand p;
  p.name = std::move(name);
  p.size = size;
  p.profile = profile;
  p.slots = slots;
  p.python = "/usr/bin/python3";
  p.startup_concurrency = 8;
  p.startup_timeout = std::chrono::seconds{20};
  return p;
}

/// The integer figure `key` of `f`; fails the test if missing.
inline int64_t int_value(const finding& f, const std::string& key) {
  auto* v = f.find(key);
  INFO("figure " << key << " of " << f.name);
  REQUIRE(v != nullptr);
  REQUIRE(std::holds_alternative<int64_t>(v->data));
  return std::get<int64_t>(v->data);
}

/// True when `text` contains `needle`.
inline bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

} // namespace snakepit::diagnostics::test
