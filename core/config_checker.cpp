#include "core/config_checker.hpp"

#include "core/duration.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace snakepit {

namespace {

constexpr int max_port = 65535;

} // namespace

std::string quoted(std::string_view s) {
  return "\"" + std::string{s} + "\"";
}

void checker::fail(std::string key, std::string problem) {
  errors_.push_back(config_error{std::move(key), std::move(problem), {}, 0});
}

void checker::at_least(const std::string& key, long long value,
                       long long min) {
  if (value < min)
    fail(key, "must be at least " + std::to_string(min) + " (got "
                + std::to_string(value) + ")");
}

void checker::between(const std::string& key, long long value, long long min,
                      long long max) {
  if (value < min || value > max)
    fail(key, "must be between " + std::to_string(min) + " and "
                + std::to_string(max) + " (got " + std::to_string(value)
                + ")");
}

void checker::not_empty(const std::string& key, const std::string& value) {
  if (value.empty())
    fail(key, "must not be empty");
}

void checker::duration(const std::string& key,
                       std::chrono::milliseconds value, bool allow_zero,
                       bool allow_infinity) {
  if (value == std::chrono::milliseconds::max() && !allow_infinity)
    fail(key, "must be finite");
  else if (value.count() < 0)
    fail(key, "must not be negative (got " + format_duration(value) + ")");
  else if (value.count() == 0 && !allow_zero)
    fail(key, "must be greater than 0s");
}

void checker::no_less_than(const std::string& key,
                           std::chrono::milliseconds value,
                           const std::string& floor_key,
                           std::chrono::milliseconds floor) {
  if (value < floor)
    fail(key, "must be at least " + floor_key + " (" + format_duration(floor)
                + "), got " + format_duration(value));
}

address_kind classify_address(const std::string& address) {
  if (address == "localhost")
    return address_kind::loopback;
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127 ? address_kind::loopback
                                           : address_kind::other;
  auto unscoped = address.substr(0, address.find('%'));
  in6_addr v6{};
  if (inet_pton(AF_INET6, unscoped.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6) ? address_kind::loopback
                                     : address_kind::other;
  return address_kind::invalid;
}

std::variant<endpoint, std::string> parse_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return quoted(text) + " is not \"address:port\" (e.g. \"127.0.0.1:7400\")";
  endpoint out;
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos)
    return quoted(text) + ": write an IPv6 address in brackets, e.g. "
                          "\"[::1]:7400\"";
  out.host = std::string{host};
  auto port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5
      || port.find_first_not_of("0123456789") != std::string_view::npos)
    return quoted(text) + ": the port must be a number from 0 to "
           + std::to_string(max_port);
  out.port = std::stoi(std::string{port});
  if (out.port > max_port)
    return quoted(text) + ": the port must be a number from 0 to "
           + std::to_string(max_port);
  return out;
}

} // namespace snakepit
