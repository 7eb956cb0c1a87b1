#include <snakepit/host_tools.hpp>

#include <algorithm>

namespace snakepit {

namespace {

/// 1-128 bytes of [A-Za-z0-9_.-].
bool valid_tool_name(const std::string& name) {
  return !name.empty() && name.size() <= 128
         && std::all_of(name.begin(), name.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                     || (c >= '0' && c <= '9') || c == '_' || c == '.'
                     || c == '-';
            });
}

} // namespace

bool host_tool_registry::add(std::string name, std::string description,
                             host_tool_function fn) {
  if (!fn)
    return false;
  return insert(stored{{std::move(name), std::move(description)},
                       std::move(fn), {}});
}

bool host_tool_registry::add(std::string name, std::string description,
                             host_tool_actor handle) {
  if (!handle)
    return false;
  return insert(stored{{std::move(name), std::move(description)}, {},
                       caf::actor_cast<caf::weak_actor_ptr>(handle)});
}

bool host_tool_registry::insert(stored s) {
  if (!valid_tool_name(s.spec.name))
    return false;
  std::lock_guard<std::mutex> lock{mutex_};
  auto name = s.spec.name;
  return tools_.emplace(std::move(name), std::move(s)).second;
}

bool host_tool_registry::remove(const std::string& name) {
  std::lock_guard<std::mutex> lock{mutex_};
  return tools_.erase(name) > 0;
}

std::optional<host_tool_registry::entry>
host_tool_registry::find(const std::string& name) const {
  std::lock_guard<std::mutex> lock{mutex_};
  auto i = tools_.find(name);
  if (i == tools_.end())
    return std::nullopt;
  const auto& s = i->second;
  entry out{s.spec, s.function, {}};
  if (!s.function) {
    out.actor = caf::actor_cast<host_tool_actor>(s.actor.lock());
    if (!out.actor)
      return std::nullopt;
  }
  return out;
}

std::vector<host_tool_spec> host_tool_registry::list() const {
  std::lock_guard<std::mutex> lock{mutex_};
  std::vector<host_tool_spec> out;
  out.reserve(tools_.size());
  for (const auto& [name, e] : tools_)
    out.push_back(e.spec);
  return out;
}

} // namespace snakepit
