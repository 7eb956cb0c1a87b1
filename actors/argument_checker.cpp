#include "actors/argument_checker.hpp"

#include <caf/all.hpp>

#include "actors/request_checks.hpp"

namespace snakepit::detail {

namespace {

caf::behavior argument_checker(caf::event_based_actor* self,
                               pool_config cfg) {
  return {
    [self, cfg = std::move(cfg)](check_args_atom, execute_request& req,
                                 bool stream) -> checked_request {
      self->quit();
      checked_request out;
      auto checked = prepare_call(req, cfg, stream);
      if (auto* bytes = std::get_if<std::string>(&checked))
        out.call_bytes = std::move(*bytes);
      else
        out.error = std::move(std::get<failure>(checked));
      // The encoded call replaces the text; the pool never needs both.
      req.args_json = std::string{};
      out.request = std::move(req);
      return out;
    },
  };
}

} // namespace

caf::actor spawn_argument_checker(caf::local_actor* pool,
                                  std::size_t args_bytes,
                                  const pool_config& cfg) {
  if (args_bytes >= detached_check_bytes)
    return pool->spawn<caf::detached>(argument_checker, cfg);
  return pool->spawn(argument_checker, cfg);
}

} // namespace snakepit::detail
