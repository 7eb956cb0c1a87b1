#pragma once

/// Internal to the pool actor: a one-shot actor that checks the arguments
/// of one large request and encodes the call, so that work in proportion to a
/// request's size delays only that request, never the pool actor that
/// every request of the pool passes through. The pool spawns one per large
/// request; it answers once and quits. Requests larger than
/// `detached_check_bytes` get a thread of their own, so that no scheduler
/// thread is held for long either.
///
/// interface argument_checker {
///   (check_args_atom, execute_request, bool stream) -> (checked_request)
/// }

#include <caf/fwd.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstddef>

#include <snakepit/config.hpp>
#include <snakepit/failure.hpp>
#include <snakepit/requests.hpp>

namespace snakepit::detail {

/// Asks an argument checker to check a request.
using check_args_atom = caf::atom_constant<caf::atom("sp_check")>;

/// Arguments of at least this many bytes are checked on a thread of their
/// own (the thread costs far less than the scan).
inline constexpr std::size_t detached_check_bytes = 1024 * 1024;

/// A checked request: the request (its arguments text released) and the
/// call encoded for the wire, or why it was refused.
struct checked_request {
  execute_request request;
  std::string call_bytes;
  /// `invalid_arguments` when refused; `error_code::none` otherwise.
  failure error;
};

/// Spawns a checker, with the limits of `cfg`, for a request of
/// `args_bytes` bytes of arguments.
caf::actor spawn_argument_checker(caf::local_actor* pool,
                                  std::size_t args_bytes,
                                  const pool_config& cfg);

/// Inspects a checked_request.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checked_request& x) {
  return f(caf::meta::type_name("checked_request"), x.request, x.call_bytes,
           x.error);
}

} // namespace snakepit::detail
