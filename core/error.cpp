#include <snakepit/failure.hpp>

#include <array>
#include <utility>

namespace snakepit {

namespace {

constexpr std::array<std::pair<error_code, std::string_view>, 16> names{{
  {error_code::none, "none"},
  {error_code::pool_saturated, "pool_saturated"},
  {error_code::queue_timeout, "queue_timeout"},
  {error_code::request_timeout, "request_timeout"},
  {error_code::worker_crashed, "worker_crashed"},
  {error_code::python_error, "python_error"},
  {error_code::pool_not_found, "pool_not_found"},
  {error_code::unknown_command, "unknown_command"},
  {error_code::invalid_arguments, "invalid_arguments"},
  {error_code::pool_failed, "pool_failed"},
  {error_code::shutting_down, "shutting_down"},
  {error_code::internal, "internal"},
  {error_code::cancelled, "cancelled"},
  {error_code::session_lost, "session_lost"},
  {error_code::session_busy, "session_busy"},
  {error_code::node_down, "node_down"},
}};

} // namespace

std::string to_string(error_code code) {
  for (const auto& [c, name] : names)
    if (c == code)
      return std::string{name};
  return "unknown";
}

std::optional<error_code> error_code_from_string(std::string_view name) {
  for (const auto& [c, n] : names)
    if (n == name)
      return c;
  return std::nullopt;
}

std::string describe(const failure& f) {
  std::string out = to_string(f.code);
  out += ": ";
  out += f.message;
  if (!f.python_type.empty()) {
    out += " (";
    out += f.python_type;
    out += ")";
  }
  if (!f.traceback.empty()) {
    out += "\n";
    out += f.traceback;
    while (!out.empty() && out.back() == '\n')
      out.pop_back();
  }
  return out;
}

} // namespace snakepit
