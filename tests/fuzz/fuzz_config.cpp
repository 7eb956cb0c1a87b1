// The TOML config loader: any text gives a valid config or a list of
// errors, never both, never neither, never an exception.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <snakepit/config.hpp>

#include "core/config_check.hpp"

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace snakepit;
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto result = read_config(text, "fuzz.toml");
  fuzz::require(result.ok() == result.errors.empty(),
                "a config or errors, never both or neither");
  for (const auto& e : result.errors)
    fuzz::require(!e.problem.empty() && !to_string(e).empty(),
                  "every error says what is wrong");
  if (result.ok())
    fuzz::require(check_config(*result.config).empty(),
                  "a parsed config passes validation");
  return 0;
}
