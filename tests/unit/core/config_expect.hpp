#pragma once

// What the config rule tests expect of a list of problems.

#include "core/config_check.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace snakepit::test {

/// Exactly one error, for `key`, whose problem contains `words`.
inline void check_one_error(const std::vector<config_error>& errors,
                            const std::string& key, const std::string& words) {
  std::string all;
  for (const auto& e : errors)
    all += to_string(e) + "\n";
  INFO(all);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].key == key);
  CHECK_THAT(errors[0].problem, Catch::Contains(words));
}

} // namespace snakepit::test
