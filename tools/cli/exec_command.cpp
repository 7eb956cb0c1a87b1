#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "commands.hpp"
#include "core/duration.hpp"
#include "cli_support.hpp"

namespace snakepit::cli {

namespace {

/// Keeps only the pool group named `name` and its members; false when
/// there is no such group.
bool select_group(host_config& cfg, const std::string& name) {
  auto group = std::find_if(cfg.pool_groups.begin(), cfg.pool_groups.end(),
                            [&name](const auto& g) { return g.name == name; });
  if (name.empty() || group == cfg.pool_groups.end())
    return false;
  auto chosen = *group;
  auto not_member = [&chosen](const auto& entry) {
    return std::find(chosen.members.begin(), chosen.members.end(),
                     entry.name)
           == chosen.members.end();
  };
  auto keep_members = [&not_member](auto& list) {
    list.erase(std::remove_if(list.begin(), list.end(), not_member),
               list.end());
  };
  keep_members(cfg.pools);
  keep_members(cfg.remote_pools);
  cfg.pool_groups = {std::move(chosen)};
  return true;
}

/// Keeps only the pool, remote pool or pool group the request names (with
/// a group's members), the first pool when it names none: exec starts
/// nothing else.
bool select_pool(host_config& cfg, const std::string& name) {
  if (select_group(cfg, name))
    return true;
  cfg.pool_groups.clear();
  auto keep_only = [&name](auto& list) {
    for (auto& entry : list)
      if (name.empty() || entry.name == name) {
        auto chosen = entry;
        list = {std::move(chosen)};
        return true;
      }
    list.clear();
    return false;
  };
  if (keep_only(cfg.pools)) {
    cfg.remote_pools.clear();
    return true;
  }
  return keep_only(cfg.remote_pools);
}

/// Reads each "NAME=FILE" of `specs` into `req.binary_args`, refusing a
/// file larger than `limit` bytes before reading it. Returns what is wrong,
/// or an empty string.
std::string read_binary_args(const std::vector<std::string>& specs,
                             std::size_t limit, execute_request& req) {
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      return "--binary '" + spec + "': expected NAME=FILE";
    auto name = spec.substr(0, eq);
    std::filesystem::path file = spec.substr(eq + 1);
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    if (ec)
      return "--binary " + name + ": cannot read " + file.string() + ": "
             + ec.message();
    if (size > limit)
      return "--binary " + name + ": " + file.string() + " is "
             + std::to_string(size) + " bytes, more than the pool's "
             + std::to_string(limit) + "-byte request limit";
    std::ifstream in{file, std::ios::binary};
    std::string data{std::istreambuf_iterator<char>{in}, {}};
    if (!in && !in.eof())
      return "--binary " + name + ": cannot read " + file.string();
    req.binary_args[name] = to_bytes(data);
  }
  return {};
}

/// Sets the session and affinity of `req` from `exec`; returns what is
/// wrong, or an empty string. The affinity is checked here, before any
/// worker starts; the session id is checked by the pool like any request's.
std::string set_session(const exec_options& exec, execute_request& req) {
  if (exec.affinity.empty()) {
    req.session_id = exec.session_id;
    return {};
  }
  auto mode = affinity_mode_from_string(exec.affinity);
  if (!mode || *mode == affinity_mode::pool_default)
    return "--affinity: '" + exec.affinity
           + "' is not hint, strict_queue or strict_fail_fast";
  if (exec.session_id.empty())
    return "--affinity needs --session: only a request of a session has an "
           "affinity";
  req.session_id = exec.session_id;
  req.affinity = *mode;
  return {};
}

} // namespace

int exec_command(const common_options& opts, const exec_options& exec) {
  auto cfg = prepare(opts.config_path, opts.log_level);
  if (!cfg)
    return 2;
  execute_request req;
  req.command = exec.command;
  req.args_json = exec.args_json;
  req.idempotent = exec.idempotent;
  if (!exec.timeout.empty()) {
    auto timeout = parse_duration(exec.timeout);
    if (!timeout || timeout->count() <= 0) {
      std::cerr << "--timeout: '" << exec.timeout
                << "' is not a duration (use e.g. 500ms, 30s, 1h)\n";
      return 2;
    }
    req.timeout = *timeout;
  }
  if (auto problem = set_session(exec, req); !problem.empty()) {
    std::cerr << problem << '\n';
    return 2;
  }
  if (!select_pool(*cfg, exec.pool)) {
    std::cerr << describe(make_failure(error_code::pool_not_found,
                                       "no pool named '" + exec.pool
                                         + "' in the config"))
              << '\n';
    return 1;
  }
  // A remote pool's limit is the other host's; the default one bounds the
  // files read here.
  auto limit = cfg->pools.empty() ? pool_config{}.request_byte_limit()
                                  : cfg->pools.front().request_byte_limit();
  req.pool = !cfg->pool_groups.empty() ? cfg->pool_groups.front().name
             : cfg->pools.empty()      ? cfg->remote_pools.front().name
                                       : cfg->pools.front().name;
  if (auto problem = read_binary_args(exec.binary_args, limit, req);
      !problem.empty()) {
    std::cerr << problem << '\n';
    return 2;
  }
  // Short-lived: no admin socket, no metrics endpoint (host_options).
  auto started = snakepit::host::start(*cfg, host_options{false});
  if (!started) {
    std::cerr << started.error().message << '\n';
    return 2;
  }
  auto& host = **started;
  // The one called: a group serves while one of its members is down.
  auto status = host.await_ready();
  auto called = std::find_if(status.begin(), status.end(),
                             [&req](const auto& s) {
                               return s.name == req.pool;
                             });
  if (called->failed.code != error_code::none) {
    std::cerr << describe(called->failed) << '\n';
    return 1;
  }
  auto reply = host.client().execute(std::move(req));
  // Answer first, then stop the pool (which takes a few milliseconds).
  if (reply.ok() && reply->binary)
    std::cout.write(as_chars(reply->binary_result).data(),
                    static_cast<std::streamsize>(reply->binary_result.size()))
      .flush();
  else if (reply.ok())
    std::cout << reply->result_json << std::endl;
  else
    std::cerr << describe(reply) << std::endl;
  host.stop();
  return reply.ok() ? 0 : 1;
}

} // namespace snakepit::cli
