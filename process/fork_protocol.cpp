#include "process/fork_protocol.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

#include <sys/socket.h>

namespace snakepit::process::fork_protocol {

namespace {

using json = nlohmann::json;

/// The members of a flat object: strings, integers and booleans by name.
struct flat_object {
  std::map<std::string, std::string> strings;
  std::map<std::string, int64_t> numbers;
  std::map<std::string, bool> flags;
};

/// A SAX handler that takes exactly one flat object and refuses anything
/// nested, so parsing stays shallow whatever the input.
class flat_reader : public nlohmann::json_sax<json> {
public:
  explicit flat_reader(flat_object& out) : out_(out) {
  }

  bool null() override {
    return refuse("null values");
  }
  bool boolean(bool value) override {
    return member() && (out_.flags[key_] = value, true);
  }
  bool number_integer(number_integer_t value) override {
    return member() && (out_.numbers[key_] = value, true);
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (value > static_cast<number_unsigned_t>(INT64_MAX))
      return refuse("a number out of range");
    return member() && (out_.numbers[key_] = static_cast<int64_t>(value), true);
  }
  bool number_float(number_float_t, const string_t&) override {
    return refuse("fractional numbers");
  }
  bool string(string_t& value) override {
    return member() && (out_.strings[key_] = value, true);
  }
  bool binary(binary_t&) override {
    return refuse("binary values");
  }
  bool start_object(std::size_t) override {
    if (opened_)
      return refuse("nested objects");
    opened_ = true;
    return true;
  }
  bool key(string_t& name) override {
    key_ = name;
    return true;
  }
  bool end_object() override {
    return true;
  }
  bool start_array(std::size_t) override {
    return refuse("arrays");
  }
  bool end_array() override {
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& e) override {
    return refuse(e.what());
  }

  const std::string& error() const {
    return error_;
  }

private:
  bool member() {
    return opened_ || refuse("a value outside an object");
  }
  bool refuse(const std::string& why) {
    if (error_.empty())
      error_ = why;
    return false;
  }

  flat_object& out_;
  bool opened_ = false;
  std::string key_;
  std::string error_;
};

template <class Map>
std::optional<typename Map::mapped_type> get(const Map& map,
                                             const char* name) {
  auto i = map.find(name);
  if (i == map.end())
    return std::nullopt;
  return i->second;
}

/// A pid as the server reports it: positive and within pid_t.
std::optional<int> pid_of(const flat_object& obj) {
  auto pid = get(obj.numbers, "pid");
  if (!pid || *pid <= 0 || *pid > INT32_MAX)
    return std::nullopt;
  return static_cast<int>(*pid);
}

server_packet read_object(const flat_object& obj) {
  auto op = get(obj.strings, "op");
  if (!op)
    return bad_packet{"no \"op\""};
  auto pid = pid_of(obj);
  auto id = get(obj.numbers, "id");
  if (*op == "ready" && pid)
    return server_ready{*pid, get(obj.flags, "preloaded").value_or(false)};
  if (*op == "started" && pid && id)
    return fork_started{*id, *pid};
  if (*op == "refused" && id)
    return fork_refused{*id, get(obj.strings, "error").value_or("")};
  auto status = get(obj.numbers, "status");
  if (*op == "exited" && pid && status && *status >= 0 && *status <= 0xffff)
    return worker_exited{*pid, static_cast<int>(*status)};
  return bad_packet{"a \"" + *op + "\" packet without its fields"};
}

} // namespace

server_packet parse(std::string_view packet) {
  if (packet.size() > max_packet)
    return bad_packet{"a packet over " + std::to_string(max_packet)
                      + " bytes"};
  flat_object obj;
  flat_reader reader{obj};
  auto ok = json::sax_parse(packet.begin(), packet.end(), &reader);
  if (!ok)
    return bad_packet{reader.error().empty() ? "not JSON" : reader.error()};
  return read_object(obj);
}

std::string encode_fork(int64_t id, const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env) {
  json request{{"op", "fork"}, {"id", id}, {"argv", args}, {"env", env}};
  return request.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string send_fork(int socket, std::string_view packet, int out, int err) {
  iovec data{const_cast<char*>(packet.data()), packet.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &data;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  auto* header = CMSG_FIRSTHDR(&msg);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(2 * sizeof(int));
  int fds[2] = {out, err};
  std::memcpy(CMSG_DATA(header), fds, sizeof(fds));
  ssize_t sent;
  do {
    sent = ::sendmsg(socket, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0)
    return std::error_code{errno, std::system_category()}.message();
  if (static_cast<std::size_t>(sent) != packet.size())
    return "short send";
  return {};
}

} // namespace snakepit::process::fork_protocol
